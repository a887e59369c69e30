/** Timestamps are ISO-8601 UTC text, so they sort and compare as strings on every database. */
export const now = (): string => new Date().toISOString();
