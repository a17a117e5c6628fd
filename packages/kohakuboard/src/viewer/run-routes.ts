/**
 * The kinds of named series a run holds, as its routes name them (`…/scalars`, `…/media`, …). The routes
 * themselves are declared in read-api/routes.ts.
 */
export type SeriesKind = 'scalars' | 'media' | 'tables' | 'histograms' | 'tensors' | 'kernel_density';
