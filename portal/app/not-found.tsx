import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="state-box">
      <h1>Page not found</h1>
      <p>
        Try the <Link href="/docs">docs</Link>, the <Link href="/reference">API reference</Link> or the <Link href="/">home page</Link>.
      </p>
    </div>
  );
}
