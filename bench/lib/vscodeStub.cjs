// A stand-in `vscode` module for loading dist/extension.js outside VS Code (startup bench and test).
// Every API is an "anything" that can be read, called or constructed; the few values activate reads
// (settings, the extension context) are real, so activate runs the same path as in VS Code.
'use strict';

function anything(known = {}) {
  const set = new Map(Object.entries(known));
  return new Proxy(function () {}, {
    get(_t, key) {
      if (set.has(key)) return set.get(key);
      if (key === 'then') return undefined; // not a thenable: `await` on it resolves at once
      if (key === Symbol.toPrimitive) return () => '';
      if (key === Symbol.iterator) return function* () {};
      if (key === 'dispose') return () => {};
      return anything();
    },
    // Status bar items, tree views...: what activate assigns reads back.
    set: (_t, key, value) => (set.set(key, value), true),
    apply: () => anything(),
    construct: () => anything(),
  });
}

const registered = new Map();
/** Error messages activate showed: a feature that failed to start. */
const errors = [];
const configuration = { get: (_key, fallback) => fallback, has: () => false, inspect: () => undefined, update: async () => {} };

// esbuild's interop copies a module's own keys and reads the rest through its prototype: every other API
// (enums, classes, namespaces) comes from there.
const apiPrototype = new Proxy(Object.create(null), { get: (_t, k) => (k === 'then' || typeof k === 'symbol' ? undefined : anything()) });

const vscode = new Proxy(
  {
    workspace: new Proxy(
      { getConfiguration: () => configuration, workspaceFolders: undefined, textDocuments: [], isTrusted: true },
      { get: (t, k) => (k in t ? t[k] : anything()) },
    ),
    window: new Proxy({ showErrorMessage: async (m) => void errors.push(m), activeTextEditor: undefined, visibleTextEditors: [], tabGroups: anything({ all: [] }) }, { get: (t, k) => (k in t ? t[k] : anything()) }),
    commands: {
      registerCommand: (id, fn) => (registered.set(id, fn), { dispose() {} }),
      registerTextEditorCommand: (id, fn) => (registered.set(id, fn), { dispose() {} }),
      executeCommand: async () => undefined,
    },
  },
  { get: (t, k) => (k in t ? t[k] : anything()), getPrototypeOf: () => apiPrototype },
);

/** A minimal ExtensionContext with real paths and in-memory state. */
function extensionContext(root, storage) {
  const memento = () => {
    const m = new Map();
    return { get: (k, d) => (m.has(k) ? m.get(k) : d), update: async (k, v) => void m.set(k, v), keys: () => [...m.keys()], setKeysForSync() {} };
  };
  const uri = (p) => ({ fsPath: p, path: p, scheme: 'file', toString: () => `file://${p}` });
  return {
    subscriptions: [],
    workspaceState: memento(),
    globalState: memento(),
    secrets: { get: async () => undefined, store: async () => {}, delete: async () => {}, onDidChange: () => ({ dispose() {} }) },
    extensionUri: uri(root),
    extensionPath: root,
    globalStorageUri: uri(storage),
    storageUri: uri(storage),
    logUri: uri(storage),
    asAbsolutePath: (p) => `${root}/${p}`,
    extensionMode: 1,
    extension: { id: 'batchwise.batchwise', packageJSON: {} },
    environmentVariableCollection: anything(),
  };
}

module.exports = { vscode, registered, errors, extensionContext };
