/** Loaded by mocha (.mocharc.json `require`) before any test file: quiet, test-mode defaults. */
process.env.NODE_ENV ??= "test";
