// The s3 kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { fileFormatOptions, FILE_SAMPLES } from '../kit/option-groups.js';
import { option } from '../kit/options.js';

const SECRET = 'as ${secret:NAME} or ${env:VAR}, never literally';

export const manifest = defineManifest({
  kind: 's3',
  title: 'S3',
  summary: 'an S3-compatible object store',
  schemes: ['s3:'],
  fields: {
    url: option.string('s3://bucket/prefix, or the endpoint URL of an S3-compatible service.', { form: { label: 'URL', placeholder: 's3://bucket/prefix' } }),
  },
  options: {
    ...fileFormatOptions,
    endpoint: option.string('Endpoint URL of an S3-compatible service (default: AWS).', { form: { label: 'Endpoint (empty for AWS)' } }),
    region: option.string('Region (default: AWS_REGION, else us-east-1).'),
    bucket: option.string('Limit the source to one bucket.'),
    prefix: option.string('Limit the source to keys under this prefix.'),
    forcePathStyle: option.boolean('Path-style URLs (endpoint/bucket/key), needed by most S3-compatible servers.', { default: false }),
    accessKeyId: option.string(`Access key id, ${SECRET}; default: the AWS environment and profile chain.`, { form: { label: 'Access key id', secret: true } }),
    secretAccessKey: option.string(`Secret access key, ${SECRET}.`, { form: { label: 'Secret access key', secret: true } }),
    sessionToken: option.string(`Session token for temporary credentials, ${SECRET}.`),
    maxBytes: option.integer('Most bytes read from one object for a sample (default 256 MiB).', { minimum: 1, default: 256 * 1024 ** 2 }),
  },
  samples: FILE_SAMPLES,
  semantics: { reads: 'GET and ranged GET only, within the byte budget; a copy is kept in .headwater/cache while its ETag holds.' },
});
