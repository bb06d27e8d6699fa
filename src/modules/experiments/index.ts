export { bucket, assignArm, pickVariant, lift, economics, zFor, type Arm, type ArmOutcome, type Interval, type Lift, type Verdict } from './experiments.rules.js';
