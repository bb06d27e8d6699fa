// The slice of jstat (no published types) the experiments module uses.
declare module 'jstat' {
  interface Normal {
    inv(p: number, mean: number, sd: number): number;
    cdf(x: number, mean: number, sd: number): number;
  }
  interface StudentT {
    inv(p: number, dof: number): number;
  }
  interface JStat {
    normal: Normal;
    studentt: StudentT;
  }
  const jstat: { jStat: JStat } & JStat;
  export default jstat;
}
