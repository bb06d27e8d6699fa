// jstat ships no types and is CommonJS: its default export is the jStat object. We use only the binomial distribution.
declare module 'jstat' {
  const jStat: {
    binomial: { cdf(k: number, n: number, p: number): number; pdf(k: number, n: number, p: number): number };
  };
  export default jStat;
}
