// Injected into bundles so dependencies that read the free variable `process` find the shim.
import proc from './process';
export { proc as process };
