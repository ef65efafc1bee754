// The sandboxed preload: exposes one object, `window.lakebench`, and nothing else (see bridge.ts).
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('lakebench', createBridge(ipcRenderer));
