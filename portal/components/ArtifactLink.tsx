'use client';
// A download link for an artifact. Public ones (`public/…`) are plain links through the portal's
// pass-through; others need the signed-in credentials, so they are fetched with them and saved.
import { useState } from 'react';
import { authorization, getCredentials } from '@/lib/session';

export function ArtifactLink({ path, name, children }: { path: string; name: string; children?: React.ReactNode }) {
  const [error, setError] = useState<string | undefined>();
  const isPublic = name.startsWith('public/');
  if (isPublic || !getCredentials()) {
    return (
      <a href={path} target="_blank" rel="noopener noreferrer" data-artifact={name}>
        {children ?? name}
      </a>
    );
  }
  return (
    <>
      <a
        href={path}
        data-artifact={name}
        onClick={async (event) => {
          event.preventDefault();
          setError(undefined);
          const response = await fetch(path, { headers: { authorization: authorization() ?? '' } });
          if (!response.ok) {
            const body = await response.json().catch(() => ({}));
            setError(body.message ?? `${response.status} ${response.statusText}`);
            return;
          }
          const url = URL.createObjectURL(await response.blob());
          const a = document.createElement('a');
          a.href = url;
          a.download = name.split('/').pop() ?? 'artifact';
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 10_000);
        }}
      >
        {children ?? name}
      </a>
      {error && (
        <span className="small" role="alert" style={{ color: 'var(--danger)' }}>
          {' '}
          {error}
        </span>
      )}
    </>
  );
}
