import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { installQueryEvents, openNotebook } from './notebooks/actions';
import { useNotebooks } from './notebooks/store';
import { installAppEvents, useApp } from './state/app';
import './styles.css';

installAppEvents();
installQueryEvents();
void useApp
  .getState()
  .loadInfo()
  .then(() => {
    // A new user lands in the sample's welcome notebook rather than on an empty page.
    const { workspace, files } = useApp.getState();
    const welcome = 'notebooks/welcome.ipynb';
    if (
      workspace?.isSample &&
      useNotebooks.getState().tabs.length === 0 &&
      files.some((f) => f.path === welcome)
    ) {
      void openNotebook(welcome);
    }
  });

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
