// A hash thread that dies on its first job, for test/unit/password-hasher.test.ts.
declare const self: Worker;

self.onmessage = () => process.exit(3);
