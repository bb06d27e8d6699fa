// jstat ships no types and is CommonJS: its default export is the jStat object (which also carries
// itself as `.jStat`). The slice our modules use: the binomial (analytics' anomaly test), the normal
// and Student's t (experiments' lift interval).
declare module 'jstat' {
  interface JStat {
    binomial: { cdf(k: number, n: number, p: number): number; pdf(k: number, n: number, p: number): number };
    normal: { inv(p: number, mean: number, sd: number): number; cdf(x: number, mean: number, sd: number): number };
    studentt: { inv(p: number, dof: number): number };
  }
  const jstat: { jStat?: JStat } & JStat;
  export default jstat;
}
