import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import { installShortcuts } from './state/shortcuts';
import { installShiftTracking } from './state/slider-sync';
import { loadSystemInfo } from './state/system';
import { installTheme } from './state/theme';
import './styles.css';

installTheme();
installShortcuts();
installShiftTracking();
loadSystemInfo();

createApp(App).use(router).mount('#app');
