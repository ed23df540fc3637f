// Loads where the services are (/config.json, served with the console) and starts the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ThemeProvider } from 'styled-components';
import { GlobalStyles, MeetingProvider, lightTheme } from 'amazon-chime-sdk-component-library-react';
import { createTelehealthApi, type ServiceUrls } from '@telehealth/client';
import { App } from './App';
import './styles.css';

async function boot(): Promise<void> {
  const config = (await (await fetch('/config.json', { cache: 'no-store' })).json()) as { services: ServiceUrls };
  const api = createTelehealthApi(config.services);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <ThemeProvider theme={lightTheme}>
        <GlobalStyles />
        <MeetingProvider>
          <App api={api} />
        </MeetingProvider>
      </ThemeProvider>
    </StrictMode>,
  );
}

void boot();
