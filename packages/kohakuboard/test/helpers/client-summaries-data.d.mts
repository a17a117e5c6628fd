export const LOSS: number[];
export const ACC: number[];
export const GROW_FIRST: number[];
export const GROW_SECOND: number[];
