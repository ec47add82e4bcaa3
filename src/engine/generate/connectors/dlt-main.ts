// The `main()` every generated dlt script ends with: one pipeline into DuckDB whose file, dataset and
// pipelines folder the environment may override (the tests run each script this way).
import { pyString } from '../escape.js';

/** `runExpression` is Python already: the source or resource call the pipeline runs. */
export function dltMain(pipelineName: string, dataset: string, runExpression: string): string {
  return `def main() -> None:
    pipeline = dlt.pipeline(
        pipeline_name=${pyString(pipelineName)},
        destination=dlt.destinations.duckdb(os.environ.get("HEADWATER_DLT_DUCKDB", ${pyString(`${pipelineName}.duckdb`)})),
        dataset_name=os.environ.get("HEADWATER_DLT_DATASET", ${pyString(dataset)}),
        pipelines_dir=os.environ.get("HEADWATER_DLT_PIPELINES_DIR"),
    )
    info = pipeline.run(${runExpression})
    print(info)


if __name__ == "__main__":
    main()
`;
}
