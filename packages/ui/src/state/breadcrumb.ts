/** Shell state set by pages: the run's display name for the breadcrumb, and the mobile drawer. */
import { reactive } from 'vue';

export const shell = reactive({ runName: '', hasDrawer: false, drawerOpen: false });
