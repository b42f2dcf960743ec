import { useEffect, useState } from 'preact/hooks';

/** Where the console is: `#/queue?…`, `#/flags/12`, `#/stats`, `#/history`. */
export interface Route {
  path: string;
  params: URLSearchParams;
}

function current(): Route {
  const hash = location.hash.replace(/^#/, '') || '/queue';
  const [path, search] = hash.split('?', 2) as [string, string | undefined];
  return { path, params: new URLSearchParams(search ?? '') };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function navigate(path: string, params?: Record<string, string>): void {
  const search = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString() : '';
  location.hash = `#${path}${search ? `?${search}` : ''}`;
}
