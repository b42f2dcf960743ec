/**
 * The model's own thread: loads the transformers.js provider and embeds what the worker's main
 * thread sends. See `ThreadedEmbeddingProvider`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadTransformersProvider, type EmbeddingProvider, type TransformersProviderOptions } from '@undertow/embed';
import type { ModelThreadReply, ModelThreadRequest } from './threaded-embedder.js';

const port = parentPort;
if (!port) throw new Error('model-thread runs as a worker thread');
const send = (reply: ModelThreadReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

function serve(provider: EmbeddingProvider): void {
  port!.on('message', (request: ModelThreadRequest) => {
    if (request.type === 'close') {
      void provider.close().finally(() => {
        send({ type: 'closed' });
        port!.close();
      });
      return;
    }
    provider.embed(request.texts).then(
      (vectors) => {
        // Each vector's buffer moves to the main thread instead of being copied.
        const buffers = [...new Set(vectors.map((v) => v.buffer as ArrayBuffer))];
        send({ type: 'vectors', id: request.id, vectors }, buffers);
      },
      (error: unknown) => send({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
}

try {
  const provider = await loadTransformersProvider(workerData as TransformersProviderOptions);
  serve(provider);
  send({ type: 'ready', modelId: provider.modelId, dimensions: provider.dimensions, maxTokens: provider.maxTokens });
} catch (error) {
  const failure = error as Error & { code?: string; details?: { path?: string } };
  send({ type: 'failed', code: failure.code ?? null, message: failure.message, path: failure.details?.path ?? null });
  port.close();
}
