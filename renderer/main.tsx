import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { installQueryEvents } from './notebooks/actions';
import { installAppEvents, useApp } from './state/app';
import './styles.css';

installAppEvents();
installQueryEvents();
void useApp.getState().loadInfo();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
