// Imported first by the CLI: on stdio, stdout carries MCP messages only, from the first byte. Anything a
// dependency prints with console.log/info/debug goes to stderr instead. (ES modules evaluate their imports in
// order, so this runs before any other module of the server is loaded.)
console.log = console.error;
console.info = console.error;
console.debug = console.error;
