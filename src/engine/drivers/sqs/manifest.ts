// The sqs kind as the engine, the editor and the Add Source form see it (no client library loaded).
import { defineManifest } from '../kit/manifest.js';
import { AWS_OPTIONS } from '../kit/aws.js';
import { option } from '../kit/options.js';
import { sqsContractServer } from './contract.js';

export const manifest = defineManifest({
  kind: 'sqs',
  title: 'SQS',
  summary: 'Amazon SQS standard and FIFO queues (or an SQS-compatible endpoint): attributes by default, messages only with --peek, which never deletes',
  schemes: ['sqs:'],
  fields: {
    url: option.string('sqs://REGION[/QUEUE][?endpoint=http://host:port] (the options below say the same at greater length).', { form: { label: 'URL', placeholder: 'sqs://us-east-1' } }),
  },
  options: {
    ...AWS_OPTIONS,
    queue: option.string('Limit the source to one queue (its name).'),
    queuePrefix: option.string('List only queues whose name starts with this (ListQueues QueueNamePrefix).'),
    waitSeconds: option.integer('Long-poll wait of each receive of a peek, in seconds (0 polls a sample of SQS\'s servers only and may miss messages).', { minimum: 0, maximum: 20, default: 1 }),
    receivesPerSecond: option.integer('Receives a peek sends per second at most (each one costs a request and raises the receive count of what it returns).', { minimum: 1, maximum: 50, default: 5 }),
    maxReceives: option.integer('Receive calls one peek makes at most; each may return a message again and raise its receive count once more.', { minimum: 1, maximum: 100, default: 10 }),
  },
  samples: { strategies: ['head'], options: ['peek'], hint: 'SQS messages are read only with --peek (receive with a visibility timeout of 0, never deleted); without it a queue shows its attributes in the tree.' },
  contractServer: sqsContractServer,
  semantics: {
    reads: 'Browse reads queue attributes only (GetQueueAttributes). --peek receives with VisibilityTimeout 0 and never deletes: each message received gets its receive count raised, which counts toward the redrive policy\'s maxReceiveCount; a peek that could reach it is refused unless --yes.',
    order: 'Standard queues: best effort, no order. FIFO queues: strict order within a message group; a group whose first message is in flight delivers nothing until it is deleted or visible again.',
    delivery: 'Standard: at least once (a message may come twice). FIFO: exactly once within the 5-minute deduplication window. A peek may see a message more than once; it lands once.',
  },
});
