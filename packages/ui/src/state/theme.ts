/**
 * Theme and animations (docs/ui.md#theme-and-animations): `localStorage.theme` is "dark" or "light", absent
 * means follow `prefers-color-scheme`; dark mode puts the class `dark` on <html>.
 */
import { ref, watch } from 'vue';
import { KEYS, readString, writeString } from './storage';

export type ThemeName = 'light' | 'dark';

function systemPrefersDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

function initialTheme(): ThemeName {
  const stored = readString(KEYS.theme);
  if (stored === 'dark' || stored === 'light') return stored;
  return systemPrefersDark() ? 'dark' : 'light';
}

function initialAnimations(): boolean {
  const stored = readString(KEYS.animations);
  if (stored === 'true') return true;
  if (stored === 'false') return false;
  return !(typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches);
}

export const theme = ref<ThemeName>(initialTheme());
export const animationsEnabled = ref<boolean>(initialAnimations());

function apply(): void {
  const root = document.documentElement;
  root.classList.toggle('dark', theme.value === 'dark');
  root.classList.toggle('no-animations', !animationsEnabled.value);
}

export function setTheme(next: ThemeName): void {
  theme.value = next;
  writeString(KEYS.theme, next);
}

export function toggleTheme(): void {
  setTheme(theme.value === 'dark' ? 'light' : 'dark');
}

export function toggleAnimations(): void {
  animationsEnabled.value = !animationsEnabled.value;
  writeString(KEYS.animations, String(animationsEnabled.value));
}

export function installTheme(): void {
  apply();
  watch([theme, animationsEnabled], apply);
  if (typeof matchMedia === 'function') {
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', (e) => {
      if (readString(KEYS.theme) === null) theme.value = e.matches ? 'dark' : 'light';
    });
  }
}
