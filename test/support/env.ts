/** Loaded by mocha (.mocharc.json `require`) before any test file: quiet, test-mode defaults. */
process.env.NODE_ENV ??= "test";
// The suite's peers (OpenID Providers, slapd, event receivers, key servers) listen on loopback, which the
// outbound policy refuses unless the operator allows it (src/org/security/outbound.ts): the tests allow it
// explicitly, as an operator of a self-hosted set-up would. test/org/outbound.test.ts runs without it.
process.env.ROLLCALL_OUTBOUND_ALLOW ??= "localhost,127.0.0.0/8,::1";
