/** Routes of docs/ui.md#pages; everything but the landing pages loads on demand. */
import { createRouter, createWebHistory } from 'vue-router';
import HomePage from './pages/HomePage.vue';
import NotFoundPage from './pages/NotFoundPage.vue';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: HomePage, props: { mode: 'dashboard' } },
    { path: '/projects', name: 'projects', component: HomePage, props: { mode: 'projects' } },
    { path: '/projects/:project', name: 'project', component: () => import('./pages/ProjectPage.vue') },
    { path: '/projects/:project/:id', name: 'run', component: () => import('./pages/RunPage.vue') },
    { path: '/compare/:project', name: 'compare', component: () => import('./pages/ComparePage.vue') },
    { path: '/docs', name: 'docs', component: () => import('./pages/DocsIndexPage.vue') },
    { path: '/docs/:slug', name: 'doc', component: () => import('./pages/DocPage.vue') },
    { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundPage },
  ],
  scrollBehavior(to, from, saved) {
    if (saved) return saved;
    if (to.path !== from.path) return { top: 0 };
    return undefined;
  },
});
