export default function PageLoading() {
  return (
    <div className="state-box loading" role="status">
      Loading…
    </div>
  );
}
