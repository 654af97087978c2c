// PATH lookup done before spawning, so a missing program is a HostError at the call site on
// both hosts (QuickJS's child would only _exit(127); Node would emit 'error' later).

/**
 * The file execvp would run for `name`, or null. `isExecutable` says whether a path is a
 * regular file with an execute bit.
 */
export const resolveExecutable = (name: string, pathEnv: string | undefined, isExecutable: (p: string) => boolean): string | null => {
  if (name === '') return null;
  if (name.indexOf('/') >= 0) return isExecutable(name) ? name : null;
  for (const d of (pathEnv ?? '/bin:/usr/bin').split(':')) {
    const p = `${d || '.'}/${name}`;
    if (isExecutable(p)) return p;
  }
  return null;
};
