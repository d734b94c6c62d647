import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { Header } from '@/components/Header';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Taskgate', template: '%s · Taskgate' },
  description: 'Taskgate developer portal: docs, tutorials, the API reference and explorer, self-service access and live inspectors.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Header />
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">Taskgate — tasks, graphs, roles, secrets, hooks and workers behind one GraphQL gateway.</footer>
      </body>
    </html>
  );
}
