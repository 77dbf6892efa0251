/** What `--help` prints for each command. */
export const HELP = {
  main: `Usage: knative-file-pipeline <command> [options]

Commands:
  upload <files…>   send files to the pipeline (small ones through POST /files, large ones as
                    resumable direct uploads) and optionally wait for their derivatives
  status <id>       what the pipeline knows about one file

Run "knative-file-pipeline <command> --help" for a command's options.
Environment: PIPELINE_URL (default http://127.0.0.1:8080), PIPELINE_TOKEN (sent as a Bearer token).
Exit codes: 0 all went well, 1 a file failed, 2 the command line was wrong.
`,
  upload: `Usage: knative-file-pipeline upload <files…> [options]

Options:
  --effects <chain>    one ordered chain, e.g. grayscale,blur; repeat for several chains;
                       "none" for no derivatives (default: the server's, blur and grayscale)
  --sigma <n>          blur strength
  --wait [duration]    wait for the derivatives (default 60s when given alone; 30s, 2m, 500ms)
  --concurrency <n>    files uploaded at once (default 4)
  --direct             always use the direct-upload API (signed URLs, resumable parts)
  --no-direct          always use POST /files
  --url <url>          the pipeline's upload API (default $PIPELINE_URL or http://127.0.0.1:8080)
  --token <token>      API token (default $PIPELINE_TOKEN)
  --json               print one JSON document with every file's result instead of a table
  -h, --help           this help

An interrupted large upload resumes where it stopped when run again on the same file
(state in $XDG_CACHE_HOME/knative-file-pipeline/cli-uploads/).

Example:
  knative-file-pipeline upload ./photos/*.jpg --effects grayscale,blur --wait
`,
  status: `Usage: knative-file-pipeline status <id> [options]

Options:
  --url <url>          the pipeline's upload API (default $PIPELINE_URL or http://127.0.0.1:8080)
  --token <token>      API token (default $PIPELINE_TOKEN)
  --json               print the server's JSON as it is
  -h, --help           this help
`,
} as const;
