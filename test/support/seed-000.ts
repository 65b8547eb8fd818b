import type { HttpClient } from './http-client.ts';

/** Seed 000's test user (`test_token.txt`) and an agent of theirs (`agent_id.txt`), as its phases start. */
export async function seed000UserWithAgent(http: HttpClient, agentName: string) {
  const registered = await http.post('/api/v1/auth/register', {
    email: 'test.agent@example.com',
    password: 'TestPassword123!',
    full_name: 'Agent Test User',
  });
  const token: string = registered.body.access_token;
  const agentId: string = (await http.post('/api/v1/agents', { name: agentName }, { token })).body.id;
  return { token, agentId };
}
