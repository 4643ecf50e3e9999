// Reads a process's start time, to tell a live container process from a recycled pid (one copy, in
// hooks/, which plugins share).
export { isSameProcessAlive, processStartTime } from '../../hooks/proc-stat.js';
