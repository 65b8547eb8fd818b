import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { useSignedIn } from '../../auth/session.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading, Page, When } from '../../components/page.tsx';
import type { PageProps } from '../../routes.tsx';
import { type Role, roleOptions, usePermissions } from './access.ts';
import { MemberForm } from './member-form.tsx';
import './organization.css';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { OffsetPager } from '../../components/offset-pager.tsx';

type Member = Schema<'User'>;
type MemberChange = { role?: Role; status?: Member['status'] };

const PAGE_SIZE = 50;

/** The organization's members: add one, change a role, disable or enable (org_admin). */
export default function MembersPage(_props: PageProps) {
  const session = useSignedIn();
  const may = usePermissions();
  const [offset, setOffset] = useState(0);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState('');
  const members = useApi(
    () => withTotal(api.GET('/api/v1/users', { params: { query: { limit: PAGE_SIZE, offset } } })),
    [offset],
  );
  // Another admin's change (or this page's own) arrives as an event: the list follows it.
  useLiveEvents(['user-updated'], () => void members.reload());
  const change = useAction(async (member: Member, body: MemberChange) => {
    await unwrap(api.PATCH('/api/v1/users/{id}', { params: { path: { id: member.id } }, body }));
    setNotice(`${member.full_name}: ${body.role ? `role ${body.role}` : body.status}`);
    await members.reload();
  });
  const manages = may('members:manage');
  return (
    <Page
      title="Members"
      actions={
        manages && !adding ? (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add member
          </button>
        ) : null
      }
    >
      <p className="visually-hidden" aria-live="polite">
        {notice}
      </p>
      {adding ? (
        <MemberForm
          onAdded={(member) => {
            setAdding(false);
            setNotice(`Added ${member.full_name}`);
            void members.reload();
          }}
          onCancel={() => setAdding(false)}
        />
      ) : null}
      <ErrorNotice error={members.error ?? change.error} />
      {!members.data ? (
        members.loading ? (
          <Loading what="Loading the members" />
        ) : null
      ) : members.data.items.length === 0 ? (
        <Empty>No members.</Empty>
      ) : (
        <>
          <div className="table-scroll">
            <table aria-label="Members">
              <ColumnHeads
                columns={['Name', 'Email', 'Role', 'Status', 'Last sign-in', manages && 'Actions']}
              />
              <tbody>
                {members.data.items.map((member) => (
                  <tr key={member.id} data-testid="member-row">
                    <th scope="row">
                      {member.full_name}
                      {member.id === session.user.id ? <span className="muted"> (you)</span> : null}
                    </th>
                    <td>{member.email}</td>
                    <td>
                      {manages ? (
                        <select
                          aria-label={`Role of ${member.full_name}`}
                          value={member.role}
                          disabled={change.pending}
                          onChange={(event) => void change.run(member, { role: event.target.value as Role })}
                        >
                          {roleOptions.map((option) => (
                            <option key={option.value} value={option.value}>
                              {option.label}
                            </option>
                          ))}
                        </select>
                      ) : (
                        member.role
                      )}
                    </td>
                    <td>
                      <span className={`badge ${member.status === 'active' ? 'ok' : 'bad'}`}>
                        {member.status}
                      </span>
                    </td>
                    <td>
                      <When at={member.last_login_at} />
                    </td>
                    {manages ? (
                      <td>
                        <button
                          type="button"
                          className={member.status === 'active' ? 'danger' : undefined}
                          disabled={change.pending}
                          aria-label={`${member.status === 'active' ? 'Disable' : 'Enable'} ${member.full_name}`}
                          onClick={() =>
                            void change.run(member, {
                              status: member.status === 'active' ? 'disabled' : 'active',
                            })
                          }
                        >
                          {member.status === 'active' ? 'Disable' : 'Enable'}
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <OffsetPager
            label="Pages of members"
            offset={offset}
            pageSize={PAGE_SIZE}
            total={members.data.total}
            onOffset={setOffset}
          />
        </>
      )}
    </Page>
  );
}
