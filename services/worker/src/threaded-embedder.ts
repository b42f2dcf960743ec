import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ModelLoadError, ModelNotFoundError, type EmbeddingProvider, type TransformersProviderOptions } from '@undertow/embed';

export type ModelThreadRequest = { type: 'embed'; id: number; texts: string[] } | { type: 'close' };

export type ModelThreadReply =
  | { type: 'ready'; modelId: string; dimensions: number; maxTokens: number }
  | { type: 'failed'; code: string | null; message: string; path: string | null }
  | { type: 'vectors'; id: number; vectors: Float32Array[] }
  | { type: 'error'; id: number; message: string }
  | { type: 'closed' };

/**
 * The thread's entry: `model-thread.js` beside this file, or `model-thread.ts` when the worker
 * runs from source through tsx. A compiled entry gets the process's flags without a `source`
 * export condition, which would point it at packages' TypeScript.
 */
function threadEntry(): { url: URL; execArgv: string[] } {
  // From source (tsx, vitest) the compiled entry in dist/ is used when it is built: worker threads
  // do not inherit a TypeScript loader registered with --import.
  const beside = new URL('./model-thread.js', import.meta.url);
  const js = existsSync(beside) ? beside : new URL('../dist/model-thread.js', import.meta.url);
  if (!existsSync(js)) return { url: new URL('./model-thread.ts', import.meta.url), execArgv: process.execArgv };
  const execArgv: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if ((arg === '--conditions' || arg === '-C') && process.execArgv[i + 1] === 'source') i++;
    else if (arg !== '--conditions=source') execArgv.push(arg);
  }
  return { url: js, execArgv };
}

/**
 * The transformers.js provider on a thread of its own. onnxruntime-node runs a model on the
 * calling thread and holds it until the call returns; on the worker's main thread that would
 * stop every other batch's database and Redis work for as long as the model runs. Here the
 * model thread only runs the model (tokenize, run, pool), and the main thread keeps feeding it:
 * the cores go to the model, and the rest of the pipeline runs beside it instead of between
 * model calls.
 */
export class ThreadedEmbeddingProvider implements EmbeddingProvider {
  private readonly pending = new Map<number, { resolve: (vectors: Float32Array[]) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private broken: Error | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly thread: Worker,
    readonly modelId: string,
    readonly dimensions: number,
    readonly maxTokens: number,
  ) {
    thread.on('message', (reply: ModelThreadReply) => {
      if (reply.type !== 'vectors' && reply.type !== 'error') return;
      const call = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.type === 'vectors') call?.resolve(reply.vectors);
      else call?.reject(new Error(reply.message));
    });
    const fail = (error: Error) => {
      this.broken ??= error;
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    };
    thread.on('error', (error) => fail(new Error(`the model thread of ${modelId} failed: ${error.message}`, { cause: error })));
    thread.on('exit', (code) => fail(new Error(`the model thread of ${modelId} exited (${code})`)));
  }

  /** Starts the thread and loads the model there; fails as `loadTransformersProvider` would. */
  static async start(options: TransformersProviderOptions): Promise<ThreadedEmbeddingProvider> {
    const entry = threadEntry();
    const thread = new Worker(entry.url, { workerData: options, execArgv: entry.execArgv, name: `model ${options.modelName}` });
    let onMessage: (reply: ModelThreadReply) => void = () => undefined;
    let onError: (error: Error) => void = () => undefined;
    let onExit: (code: number) => void = () => undefined;
    const ready = await new Promise<Extract<ModelThreadReply, { type: 'ready' }>>((resolve, reject) => {
      onMessage = (reply) => {
        if (reply.type === 'ready') resolve(reply);
        else if (reply.type === 'failed') {
          const notFound = reply.code === 'MODEL_NOT_FOUND' && reply.path !== null;
          reject(
            notFound
              ? new ModelNotFoundError(reply.path!, reply.message.slice(0, reply.message.lastIndexOf(' not found: ')))
              : new ModelLoadError(reply.message, { path: reply.path ?? undefined }),
          );
        }
      };
      onError = reject;
      onExit = (code) => reject(new ModelLoadError(`the model thread exited (${code}) before loading ${options.modelName}`));
      thread.on('message', onMessage);
      thread.on('error', onError);
      thread.on('exit', onExit);
    })
      .catch(async (error: unknown) => {
        await thread.terminate();
        throw error;
      })
      .finally(() => {
        // Only these: the Worker keeps listeners of its own.
        thread.off('message', onMessage);
        thread.off('error', onError);
        thread.off('exit', onExit);
      });
    return new ThreadedEmbeddingProvider(thread, ready.modelId, ready.dimensions, ready.maxTokens);
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    if (this.closing) return Promise.reject(new Error(`embedding provider ${this.modelId} is closed`));
    if (this.broken) return Promise.reject(this.broken);
    if (texts.length === 0) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.thread.postMessage({ type: 'embed', id, texts } satisfies ModelThreadRequest);
    });
  }

  /** Lets the calls in hand finish, releases the model, and ends the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.broken) return;
      const closed = new Promise<void>((resolve) => this.thread.once('exit', () => resolve()));
      this.thread.postMessage({ type: 'close' } satisfies ModelThreadRequest);
      await closed;
    })();
    return this.closing;
  }
}
