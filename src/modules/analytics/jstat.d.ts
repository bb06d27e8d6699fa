// jstat ships no types; we use only the binomial distribution.
declare module 'jstat' {
  export const jStat: {
    binomial: { cdf(k: number, n: number, p: number): number; pdf(k: number, n: number, p: number): number };
  };
}
