<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>AssigneeDialog</name>
    <message>
        <source>Assign</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Assign %n request(s) to:</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Nobody (release)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AttachmentsPage</name>
    <message>
        <source>Add files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Documents (*.pdf *.jpg *.jpeg *.png)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attach every document the service needs. Each ticks in the list below when a file is attached for it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Document</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can also drop PDF, JPEG or PNG files here.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <source>Refreshing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submitted today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due within 2 working days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decided within 7 working days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests with a follow-up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests by status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open requests by service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decided within 7 working days, by week (%)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All services</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SLA by service (since %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open requests per supervisor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overdue (oldest first)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Met</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Missed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervisor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for a decision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Returned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Working days left</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DateField</name>
    <message>
        <source>e.g. %1 or %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose from a calendar (Gregorian and Hijri)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DatePickerDialog</name>
    <message>
        <source>Choose a date</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message>
        <source>Loading preview…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No preview; open it with the system viewer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file could not be read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n request(s) chosen</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Choose a request in the queue to see it here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open with the system viewer</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DetailsPage</name>
    <message>
        <source>Enough detail: %1 words, %2 characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 more words and %2 more characters needed (at least %3 words and %4 characters).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applicant (the person at the counter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Identity number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>10 digits: national ID, iqama or border number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Full name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>05XXXXXXXX</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Relation to the person concerned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Person concerned (if not the applicant)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Description of the problem</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EnquiryPage</name>
    <message>
        <source>Enter a request number (%1 digits) or an identity number (10 digits).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No requests for this identity number.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find a request by its number or by an identity number.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This request is %1: no follow-up can be recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A follow-up can be recorded now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A follow-up can be recorded from %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enquiry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Request &amp;number or identity number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. 101-01-26-000001-7 or 1XXXXXXXXX</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recent requests at this counter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note for the follow-up (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record &amp;follow-up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reprint receipt</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ErrorHook</name>
    <message>
        <source>Something went wrong</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An unexpected error occurred. What you typed is kept; please try again. If it happens again, tell the administrator (the details are in the log file).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <source>My queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due within 2 working days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for a decision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Returned to applicant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name of this filter:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved filters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Anyone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Me</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ser&amp;vice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Coun&amp;ter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;To</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Deadline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Assi&amp;gnee</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sea&amp;rch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Request number, name or full identity number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save filter…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All services</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FirstAdminForm</name>
    <message>
        <source>Create the first administrator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Welcome to Tawasul Desk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No administrator exists yet. Create the first administrator account; it can then add the clerks.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latin letters and digits, e.g. admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Full name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Repeat password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Create administrator</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FirstAdminPanel</name>
    <message>
        <source>The two passwords differ.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>IntakeWizard</name>
    <message>
        <source>Service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open request exists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Request number: %1
Expected answer by: %2
Follow-up possible from: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last request submitted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discard request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discard this request and everything typed for it?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applicant and details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirm and submit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Step %1 of 4: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discard (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back (Alt+B)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next (Alt+N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submit request (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginForm</name>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tawasul Desk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in to take requests at this counter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Sign in</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginPanel</name>
    <message>
        <source>Opening the database…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The session of %1 is locked. Enter the password to continue, or sign in as someone else (the unfinished request is kept as a draft).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in to take requests at this counter.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>The database %1 was written by a newer Tawasul Desk than this one (schema %2). Install the newer version, or ask the administrator.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The database %1 could not be opened: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Diagnostics copied to the clipboard.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unfinished request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have an unfinished request from %1. Continue it now?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Continue it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keep it for later</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Discard it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2), counter %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in: %1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Locked: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tawasul Desk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enquiry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Lock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign &amp;out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy &amp;diagnostics</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Reject</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Reject %n request(s). Tick the reasons and add your own words if needed; the reason is kept with the decision.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Return to the applicant</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Return %n request(s) to the applicant. Tick what is missing; the deadline pauses until the counter records the answer.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Other / details:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReceiptDialog</name>
    <message>
        <source>Receipt (copy)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Print…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Print</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print &amp;to…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save as PDF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preparing the receipt…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The receipt cannot be drawn: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Sent to the printer (%n page(s)).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent to the printer %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printing failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save receipt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RecentRequestsModel</name>
    <message>
        <source>Number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applicant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RequestQueueModel</name>
    <message numerus="yes">
        <source>%n working day(s) left</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Due today</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Overdue by %n working day(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Paused (returned)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applicant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Counter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submitted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ServicePage</name>
    <message>
        <source>Service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which service is the request about?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type part of the service name, in Arabic or English</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a service to see its conditions and documents.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conditions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accepted identity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Required documents</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <source>Data folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the data folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved. Preparing the database…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The database could not be prepared: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set up Tawasul Desk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Configuration file: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SetupForm</name>
    <message>
        <source>Set up Tawasul Desk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set up this counter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>These settings are saved in the configuration file named below; they can be changed there later. The administrator account is created in the database of the data folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Centre and counter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Centre &amp;code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>three digits, e.g. 101</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Centre name (&amp;Arabic)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Centre name (&amp;English)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;ounter number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data and receipts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Data folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Receipt format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Printer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Central database (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>host=… dbname=… user=… (no password here)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First administrator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latin letters and digits, e.g. admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Full name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pass&amp;word</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;peat password</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <source>The configuration is not valid:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Correct the file (or start with --setup), then start Tawasul Desk again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SupervisorWorkspace</name>
    <message>
        <source>Counting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Supervision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select at most %1 requests at a time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some selected rows are still loading; try again in a moment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accept request %1?</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Accept these %n request(s)?</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>…and %n more (Show Details…)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Accept</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Assigned: %n request(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Accepted: %n request(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Rejected: %n request(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Returned to the applicant: %n request(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Not done</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n request(s) were not changed:</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Export to CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export to Excel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Exported %n row(s) to %1.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Daily summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Writing the daily summary…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Claim</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A&amp;ssign…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Accept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reject…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;turn…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export Excel…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Daily summary PDF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asking the central database for the supervision queue…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message>
        <source>Sync failed; retrying: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Central: not yet reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Central: online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Central: offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pending: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Central: this is a supervisor&apos;s desk; the queue reads central directly, nothing to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>refused: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>behind central: %1 change(s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>last sync: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused by the central database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>These changes were refused and kept; the central state applies:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
