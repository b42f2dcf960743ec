export { REDACTED, createLogger } from './logger.js';
export { stopOnSignal, type StopOptions } from './stop-on-signal.js';
