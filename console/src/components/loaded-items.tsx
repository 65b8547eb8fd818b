import type { ReactNode } from 'react';
import { Empty, Loading } from './page.tsx';

/**
 * A loaded page of items in its three states: loading (only before the first answer, so a reload
 * keeps the list in place), empty, or its items rendered by `children`.
 */
export function LoadedItems<Data extends { items: unknown[] }>({
  loaded,
  loading,
  empty,
  children,
}: {
  loaded: { loading: boolean; data: Data | undefined };
  loading: string;
  empty: ReactNode;
  children: (data: Data) => ReactNode;
}) {
  const { data } = loaded;
  return (
    <>
      {loaded.loading && !data ? <Loading what={loading} /> : null}
      {data && data.items.length === 0 ? <Empty>{empty}</Empty> : null}
      {data && data.items.length > 0 ? children(data) : null}
    </>
  );
}
