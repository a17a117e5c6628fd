/**
 * Routes of docs/ui.md#pages; everything but the landing pages loads on demand. The signed-in pages
 * (docs/ui.md#signed-in-pages) exist only under the team server; the session guard sends anonymous
 * visitors to the login page where a page needs a user.
 */
import { createRouter, createWebHistory } from 'vue-router';
import HomePage from './pages/HomePage.vue';
import NotFoundPage from './pages/NotFoundPage.vue';
import { installSessionGuard } from './state/session';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: HomePage, props: { mode: 'dashboard' } },
    { path: '/projects', name: 'projects', component: HomePage, props: { mode: 'projects' } },
    { path: '/projects/:project', name: 'project', component: () => import('./pages/ProjectPage.vue') },
    { path: '/projects/:project/:id', name: 'run', component: () => import('./pages/RunPage.vue') },
    { path: '/compare/:project', name: 'compare', component: () => import('./pages/ComparePage.vue') },
    {
      path: '/docs',
      name: 'docs',
      component: () => import('./pages/DocsIndexPage.vue'),
      meta: { open: true },
    },
    {
      path: '/docs/:slug',
      name: 'doc',
      component: () => import('./pages/DocPage.vue'),
      meta: { open: true },
    },
    {
      path: '/login',
      name: 'login',
      component: () => import('./pages/LoginPage.vue'),
      meta: { guest: true },
    },
    {
      path: '/register',
      name: 'register',
      component: () => import('./pages/RegisterPage.vue'),
      meta: { guest: true },
    },
    {
      path: '/reset-password',
      name: 'reset-password',
      component: () => import('./pages/ResetPasswordPage.vue'),
      meta: { guest: true },
    },
    {
      path: '/account',
      name: 'account',
      component: () => import('./pages/AccountPage.vue'),
      meta: { server: true, signedIn: true },
    },
    {
      path: '/orgs',
      name: 'orgs',
      component: () => import('./pages/OrgListPage.vue'),
      meta: { server: true, signedIn: true },
    },
    {
      path: '/orgs/:org',
      name: 'org',
      component: () => import('./pages/OrgPage.vue'),
      meta: { server: true, signedIn: true },
    },
    {
      path: '/admin',
      name: 'admin',
      component: () => import('./pages/AdminPage.vue'),
      meta: { server: true, signedIn: true },
    },
    { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundPage },
  ],
  scrollBehavior(to, from, saved) {
    if (saved) return saved;
    if (to.path !== from.path) return { top: 0 };
    return undefined;
  },
});

installSessionGuard(router);
