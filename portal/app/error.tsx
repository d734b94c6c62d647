'use client';

export default function PageError({ error, reset }: { error: Error; reset: () => void }) {
  return (
    <div className="alert" role="alert">
      <h2>This page failed</h2>
      <p>{error.message}</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
