/**
 * The one loose type in src: a SCIM resource body as JSON (RFC 7643). Bodies
 * come from clients, are read and rewritten attribute by attribute (PATCH paths,
 * projection, validation) under case-insensitive names and URN-keyed
 * extensions, so their values are not typed statically; everything else in src
 * is typed.
 */
// biome-ignore lint/suspicious/noExplicitAny: the SCIM resource JSON boundary (see above)
export type Json = Record<string, any>;
