import { type ReactNode, useState } from 'react';
import { useSession, useSignedIn } from './auth/session.tsx';
import { Link } from './router.tsx';
import { routes } from './routes.tsx';

/** The frame of every signed-in page: navigation (a menu on a phone), the organization and sign out. */
export function Layout({ path, children }: { path: string; children: ReactNode }) {
  const session = useSignedIn();
  const { signOut } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const entries = routes
    .filter((route) => route.nav && (!route.nav.adminOnly || session.user.role === 'org_admin'))
    .sort((a, b) => (a.nav?.order ?? 0) - (b.nav?.order ?? 0));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="navigation"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <Link to="/" className="brand">
          Agentry
        </Link>
        <span className="organization" data-testid="organization-name">
          {session.organization.name}
        </span>
        <span className="user">
          {session.user.full_name} <span className="muted">({session.user.role})</span>
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav id="navigation" className={`navigation${menuOpen ? ' open' : ''}`} aria-label="Main">
        <ul>
          {entries.map((route) => (
            <li key={route.pattern}>
              <Link
                to={route.pattern}
                aria-current={isActive(route.pattern, path) ? 'page' : undefined}
                onClick={() => setMenuOpen(false)}
              >
                {route.nav?.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

const isActive = (pattern: string, path: string) => path === pattern || path.startsWith(`${pattern}/`);
