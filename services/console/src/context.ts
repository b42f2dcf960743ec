import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me, PatternSummary } from './types';

export interface Notice {
  id: number;
  text: string;
  kind: 'ok' | 'error';
}

export interface ConsoleState {
  me: Me;
  patterns: ReadonlyMap<string, PatternSummary>;
  notify(text: string, kind?: Notice['kind']): void;
  /** The flag ids of the queue as last listed, so a reviewer can step through them from a flag. */
  queueOrder: { ids: string[]; back: string };
}

export const ConsoleContext = createContext<ConsoleState | null>(null);

export function useConsole(): ConsoleState {
  const state = useContext(ConsoleContext);
  if (!state) throw new Error('useConsole outside the signed-in console');
  return state;
}
