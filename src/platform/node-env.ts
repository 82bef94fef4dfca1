// Imported first by the gateway's entry point, before graphql-js and Express load: they read NODE_ENV once, at
// load. Unset means production, as deployed. graphql-js otherwise runs a development check on every one of its
// internal instanceof tests (for two copies of graphql in node_modules), which costs a few percent of a
// 100-row list. Apollo's own behaviour does not depend on it here: every option it would derive is set
// explicitly (graphql/apollo.ts). A NODE_ENV already set (jest sets `test`) is kept.
process.env.NODE_ENV ??= 'production';
