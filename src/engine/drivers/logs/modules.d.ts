// nsyslog-parser ships no types: the one function the logs driver calls.
declare module 'nsyslog-parser' {
  function parse(line: string, options?: Record<string, boolean>): unknown;
  export default parse;
}
