// The errno values the QuickJS host compares with (Linux, every architecture). In a module of
// their own: esbuild puts an imported constant's value at each use, a file's own ones in a variable.
export const ENOENT = 2;
export const EINTR = 4;
export const EAGAIN = 11;
export const EEXIST = 17;
export const ENOTDIR = 20;
export const EINVAL = 22;
