// gRPC server reflection client (grpc.reflection.v1, falling back to v1alpha): lists the services and
// fetches their file descriptors (with dependencies), turned into a protobufjs Root.
import type { Client, Metadata } from '@grpc/grpc-js';
import type { Root } from 'protobufjs';
import { lazyModule } from '../kit/lazy.js';

/** The messages of reflection.proto that the client uses (identical in v1 and v1alpha). */
const REFLECTION_PROTO = `
syntax = "proto3";
package reflection;
message ServerReflectionRequest {
  string host = 1;
  oneof message_request { string file_by_filename = 3; string file_containing_symbol = 4; string list_services = 7; }
}
message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
message ServiceResponse { string name = 1; }
message ListServiceResponse { repeated ServiceResponse service = 1; }
message ErrorResponse { int32 error_code = 1; string error_message = 2; }
message ServerReflectionResponse {
  string valid_host = 1;
  oneof message_response { FileDescriptorResponse file_descriptor_response = 4; ListServiceResponse list_services_response = 6; ErrorResponse error_response = 7; }
}`;

interface ReflectionResponse {
  fileDescriptorResponse?: { fileDescriptorProto: Uint8Array[] };
  listServicesResponse?: { service: { name: string }[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

export interface Reflected {
  services: string[];
  root: Root;
}

type Request = { fileByFilename?: string; fileContainingSymbol?: string; listServices?: string };

// Importing the descriptor extension also adds Root.fromDescriptor.
const loadProtobuf = lazyModule('protobufjs', async () => ({ protobuf: (await import('protobufjs')).default, descriptor: (await import('protobufjs/ext/descriptor.js')).default }));

export async function reflect(client: Client, metadata: Metadata, deadline: number): Promise<Reflected> {
  const { protobuf, descriptor } = await loadProtobuf();
  const descriptorTypes = protobuf.parse(REFLECTION_PROTO).root;
  const RequestType = descriptorTypes.lookupType('reflection.ServerReflectionRequest');
  const ResponseType = descriptorTypes.lookupType('reflection.ServerReflectionResponse');
  const { FileDescriptorProto, FileDescriptorSet } = descriptor;

  const ask = async (version: 'v1' | 'v1alpha', requests: Request[]): Promise<ReflectionResponse[]> => new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(
      `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
      (value: Request) => Buffer.from(RequestType.encode(RequestType.fromObject(value)).finish()),
      (bytes: Buffer) => ResponseType.toObject(ResponseType.decode(bytes), { oneofs: false }) as ReflectionResponse,
      metadata,
      { deadline },
    );
    const answers: ReflectionResponse[] = [];
    call.on('data', (answer: ReflectionResponse) => {
      answers.push(answer);
      if (answers.length === requests.length) call.end();
    });
    call.on('error', reject);
    call.on('end', () => resolve(answers));
    for (const request of requests) call.write(request);
  });

  let version: 'v1' | 'v1alpha' = 'v1';
  let listed: ReflectionResponse[];
  try {
    listed = await ask('v1', [{ listServices: '' }]);
  } catch (error) {
    if ((error as { code?: number }).code !== 12) throw error; // UNIMPLEMENTED: an older server
    version = 'v1alpha';
    listed = await ask('v1alpha', [{ listServices: '' }]);
  }
  const services = (listed[0]?.listServicesResponse?.service ?? []).map((s) => s.name).filter((n) => !n.startsWith('grpc.reflection.'));

  // File descriptors of every service, then of any dependency the server did not send along.
  const files = new Map<string, Uint8Array>();
  const take = (answers: ReflectionResponse[]) => {
    for (const answer of answers) {
      if (answer.errorResponse) throw new Error(`reflection: ${answer.errorResponse.errorMessage} (code ${answer.errorResponse.errorCode})`);
      for (const bytes of answer.fileDescriptorResponse?.fileDescriptorProto ?? []) {
        const name = (FileDescriptorProto.decode(bytes) as unknown as { name: string }).name;
        if (!files.has(name)) files.set(name, bytes);
      }
    }
  };
  take(await ask(version, services.map((s) => ({ fileContainingSymbol: s }))));
  for (let round = 0; round < 10; round++) {
    const missing = new Set<string>();
    for (const bytes of files.values()) {
      for (const dep of (FileDescriptorProto.decode(bytes) as unknown as { dependency: string[] }).dependency ?? []) if (!files.has(dep)) missing.add(dep);
    }
    if (missing.size === 0) break;
    take(await ask(version, [...missing].map((f) => ({ fileByFilename: f }))));
  }
  const set = FileDescriptorSet.encode({ file: [...files.values()].map((b) => FileDescriptorProto.decode(b)) }).finish();
  return { services, root: protobuf.Root.fromDescriptor(set) };
}
