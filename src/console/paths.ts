/** Where the console router answers (here, apart from it, so src/app.ts can load it lazily by path). */
export const isConsolePath = (path: string): boolean => path === "/admin" || path.startsWith("/admin/") || path.startsWith("/invites/");
