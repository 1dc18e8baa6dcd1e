// The Weir extension: starts `weir lsp` (the path from the `weir.path` setting) over stdio for
// every `.mlflow` file of the workspace. Everything else (diagnostics, hover, completion...)
// comes from the server; this file only connects them.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("weir").get("path", "weir");
  const serverOptions = {
    run: { command, args: ["lsp"], transport: TransportKind.stdio },
    debug: { command, args: ["lsp"], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "weir" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.mlflow") },
  };
  client = new LanguageClient("weir", "Weir", serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
