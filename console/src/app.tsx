import { Suspense } from 'react';
import { useSession } from './auth/session.tsx';
import { Loading } from './components/page.tsx';
import { Layout } from './layout.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { Link, matchRoute, useLocation } from './router.tsx';
import { routes } from './routes.tsx';

export function App() {
  const { session, ready } = useSession();
  const { path, query } = useLocation();
  if (!ready) return <Loading what="Starting" />;
  if (!session) return <SignInPage />;
  const target = path === '/' ? '/agents' : path;
  for (const route of routes) {
    const params = matchRoute(route.pattern, target);
    if (params) {
      const Page = route.page;
      return (
        <Layout path={target}>
          <Suspense fallback={<Loading />}>
            <Page key={target} params={params} query={query} />
          </Suspense>
        </Layout>
      );
    }
  }
  return (
    <Layout path={target}>
      <section className="page">
        <h1>Not found</h1>
        <p>
          No page at <code>{path}</code>. <Link to="/agents">Go to the agents</Link>.
        </p>
      </section>
    </Layout>
  );
}
