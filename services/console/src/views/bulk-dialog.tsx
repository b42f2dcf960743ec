import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import type { BulkResult, Decision } from '../types';

export interface BulkTarget {
  storyId: string;
  label: string;
}

/**
 * "Decide the whole story": a dry run first says how many flags the decision would take and
 * which are held by other reviewers, then the reviewer picks the decision.
 */
export function BulkDialog({ target, onClose }: { target: BulkTarget; onClose: (result: BulkResult | null, decision?: Decision) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [preview, setPreview] = useState<BulkResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    dialog.current?.showModal();
    api<BulkResult>('POST', '/v1/flags/decisions', { decision: 'confirm', filter: { storyId: target.storyId }, dryRun: true, limit: 1000 })
      .then(setPreview)
      .catch((caught: Error) => setError(caught.message));
  }, [target.storyId]);

  async function decide(decision: Decision) {
    setBusy(true);
    try {
      const result = await api<BulkResult>('POST', '/v1/flags/decisions', { decision, filter: { storyId: target.storyId }, limit: 1000, ...(note ? { note } : {}) });
      dialog.current?.close();
      onClose(result, decision);
    } catch (caught) {
      setError((caught as Error).message);
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialog} class="bulk-dialog" aria-labelledby="bulk-title" onCancel={() => onClose(null)}>
      <h2 id="bulk-title">Decide the whole {target.label}</h2>
      {preview ? (
        <p>
          {preview.decided.length} waiting flag{preview.decided.length === 1 ? '' : 's'} of this story will be decided together
          {preview.skipped.length ? `; ${preview.skipped.length} held by ${[...new Set(preview.skipped.map((s) => s.claimedBy))].join(', ')} will be left alone` : ''}
          {preview.remaining ? `; ${preview.remaining} more past the limit of 1,000` : ''}.
        </p>
      ) : (
        <p aria-live="polite">Counting the story's flags…</p>
      )}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <label>
        Note for every flag
        <textarea rows={2} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
      </label>
      <div class="actions">
        <button type="button" class="confirm" disabled={busy || !preview?.decided.length} onClick={() => void decide('confirm')}>
          Confirm all
        </button>
        <button type="button" class="dismiss" disabled={busy || !preview?.decided.length} onClick={() => void decide('dismiss')}>
          Dismiss all
        </button>
        <button type="button" class="escalate" disabled={busy || !preview?.decided.length} onClick={() => void decide('escalate')}>
          Escalate all
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            dialog.current?.close();
            onClose(null);
          }}
        >
          Cancel
        </button>
      </div>
    </dialog>
  );
}
