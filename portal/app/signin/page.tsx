import type { Metadata } from 'next';
import { SignInForm } from './SignInForm';

export const metadata: Metadata = { title: 'Sign in' };

export default function SignInPage() {
  return (
    <div className="prose">
      <h1>Sign in</h1>
      <p>
        Sign in with a client&apos;s id and access token. They are kept in this browser tab only (session storage) and are sent nowhere but to the
        gateway, as <code>Authorization: Bearer &lt;clientId&gt;:&lt;accessToken&gt;</code>. Closing the tab signs you out.
      </p>
      <SignInForm />
      <p className="small muted">
        On a fresh <code>npm start</code>, the root client&apos;s token is printed once in the terminal (or is the <code>ROOT_ACCESS_TOKEN</code> you set).
        Better: make yourself a client with just the scopes you need on the <a href="/clients">Clients</a> page, and sign in with that.
      </p>
    </div>
  );
}
