// qjs (quickjs-libc's default rejection tracker) EXITS the process the moment a promise is
// rejected while no handler is attached — which is always the case for `Promise.reject(e)`
// returned to a caller who attaches `.then` a moment later, and for an async function that
// throws before its first await. Functions that report failure through a returned promise use
// this instead: the rejection happens one microtask later, after the caller's handler is in place.
export function rejectLater<T = never>(e: Error): Promise<T> {
  return new Promise<T>((_resolve, reject) => {
    Promise.resolve().then(() => reject(e));
  });
}
