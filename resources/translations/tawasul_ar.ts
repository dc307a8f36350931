<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ar">
<context>
    <name>AssigneeDialog</name>
    <message>
        <source>Assign</source>
        <translation>إسناد</translation>
    </message>
    <message numerus="yes">
        <source>Assign %n request(s) to:</source>
        <translation>
            <numerusform>إسناد أي طلب إلى:</numerusform>
            <numerusform>إسناد طلب واحد إلى:</numerusform>
            <numerusform>إسناد طلبين إلى:</numerusform>
            <numerusform>إسناد %n طلبات إلى:</numerusform>
            <numerusform>إسناد %n طلبًا إلى:</numerusform>
            <numerusform>إسناد %n طلب إلى:</numerusform>
        </translation>
    </message>
    <message>
        <source>Nobody (release)</source>
        <translation>لا أحد (إلغاء الإسناد)</translation>
    </message>
</context>
<context>
    <name>AttachmentsPage</name>
    <message>
        <source>Add files</source>
        <translation>إضافة ملفات</translation>
    </message>
    <message>
        <source>Documents (*.pdf *.jpg *.jpeg *.png)</source>
        <translation>المستندات (*.pdf *.jpg *.jpeg *.png)</translation>
    </message>
    <message>
        <source>Attach every document the service needs. Each ticks in the list below when a file is attached for it.</source>
        <translation>أرفق كل مستند تتطلبه الخدمة، وتظهر علامة بجانبه في القائمة أدناه عند إرفاق ملف له.</translation>
    </message>
    <message>
        <source>&amp;Document</source>
        <translation>المستند</translation>
    </message>
    <message>
        <source>Add file…</source>
        <translation>إضافة ملف…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>إزالة</translation>
    </message>
    <message>
        <source>You can also drop PDF, JPEG or PNG files here.</source>
        <translation>يمكنك أيضاً سحب ملفات PDF أو JPEG أو PNG وإفلاتها هنا.</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <source>Refreshing…</source>
        <translation>جارٍ التحديث…</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>لوحة المتابعة</translation>
    </message>
    <message>
        <source>Updated %1</source>
        <translation>آخر تحديث %1</translation>
    </message>
    <message>
        <source>Submitted today</source>
        <translation>قُدِّمت اليوم</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>متأخرة</translation>
    </message>
    <message>
        <source>Due within 2 working days</source>
        <translation>تستحق خلال يومي عمل</translation>
    </message>
    <message>
        <source>Decided within 7 working days</source>
        <translation>بُتّ فيها خلال 7 أيام عمل</translation>
    </message>
    <message>
        <source>Requests with a follow-up</source>
        <translation>طلبات عليها متابعة</translation>
    </message>
    <message>
        <source>Requests by status</source>
        <translation>الطلبات حسب الحالة</translation>
    </message>
    <message>
        <source>Open requests by service</source>
        <translation>الطلبات المفتوحة حسب الخدمة</translation>
    </message>
    <message>
        <source>Decided within 7 working days, by week (%)</source>
        <translation>نسبة البت خلال 7 أيام عمل أسبوعيًا (%)</translation>
    </message>
    <message>
        <source>All services</source>
        <translation>كل الخدمات</translation>
    </message>
    <message>
        <source>Nobody</source>
        <translation>لا أحد</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;تحديث</translation>
    </message>
    <message>
        <source>SLA by service (since %1)</source>
        <translation>الالتزام بالمهلة حسب الخدمة (منذ %1)</translation>
    </message>
    <message>
        <source>Open requests per supervisor</source>
        <translation>الطلبات المفتوحة لكل مشرف</translation>
    </message>
    <message>
        <source>Overdue (oldest first)</source>
        <translation>المتأخرة (الأقدم أولًا)</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>الخدمة</translation>
    </message>
    <message>
        <source>In time</source>
        <translation>في المهلة</translation>
    </message>
    <message>
        <source>Met</source>
        <translation>ضمن المهلة</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>تجاوزت المهلة</translation>
    </message>
    <message>
        <source>Supervisor</source>
        <translation>المشرف</translation>
    </message>
    <message>
        <source>Waiting for a decision</source>
        <translation>بانتظار القرار</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>معادة</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>الرقم</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>الاستحقاق</translation>
    </message>
    <message>
        <source>Working days left</source>
        <translation>أيام العمل المتبقية</translation>
    </message>
</context>
<context>
    <name>DateField</name>
    <message>
        <source>e.g. %1 or %2</source>
        <translation>مثال: %1 أو %2</translation>
    </message>
    <message>
        <source>Choose from a calendar (Gregorian and Hijri)</source>
        <translation>الاختيار من التقويم (ميلادي وهجري)</translation>
    </message>
</context>
<context>
    <name>DatePickerDialog</name>
    <message>
        <source>Choose a date</source>
        <translation>اختيار تاريخ</translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message>
        <source>Loading preview…</source>
        <translation>جارٍ تحميل المعاينة…</translation>
    </message>
    <message>
        <source>No preview; open it with the system viewer.</source>
        <translation>لا معاينة؛ افتحه بعارض النظام.</translation>
    </message>
    <message>
        <source>The file could not be read.</source>
        <translation>تعذّرت قراءة الملف.</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s) chosen</source>
        <translation>
            <numerusform>لم يُختر أي طلب</numerusform>
            <numerusform>طلب واحد مختار</numerusform>
            <numerusform>طلبان مختاران</numerusform>
            <numerusform>%n طلبات مختارة</numerusform>
            <numerusform>%n طلبًا مختارًا</numerusform>
            <numerusform>%n طلب مختار</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose a request in the queue to see it here.</source>
        <translation>اختر طلبًا من القائمة لعرضه هنا.</translation>
    </message>
    <message>
        <source>&amp;Open with the system viewer</source>
        <translation>ا&amp;فتح بعارض النظام</translation>
    </message>
</context>
<context>
    <name>DetailsPage</name>
    <message>
        <source>Enough detail: %1 words, %2 characters.</source>
        <translation>الوصف كافٍ: %1 كلمة، %2 حرفاً.</translation>
    </message>
    <message>
        <source>%1 more words and %2 more characters needed (at least %3 words and %4 characters).</source>
        <translation>يلزم %1 كلمات و%2 حرفاً إضافية (الحد الأدنى %3 كلمات و%4 حرفاً).</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>البيانات</translation>
    </message>
    <message>
        <source>Applicant (the person at the counter)</source>
        <translation>مقدم الطلب (الحاضر عند الشباك)</translation>
    </message>
    <message>
        <source>Identity number</source>
        <translation>رقم الهوية</translation>
    </message>
    <message>
        <source>10 digits: national ID, iqama or border number</source>
        <translation>10 أرقام: هوية وطنية أو إقامة أو رقم حدود</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>الاسم الكامل</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>الجوال</translation>
    </message>
    <message>
        <source>05XXXXXXXX</source>
        <translation>05XXXXXXXX</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>البريد الإلكتروني</translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation>name@example.com</translation>
    </message>
    <message>
        <source>&amp;Relation to the person concerned</source>
        <translation>صلة مقدم الطلب بصاحب الطلب</translation>
    </message>
    <message>
        <source>Person concerned (if not the applicant)</source>
        <translation>صاحب الطلب (إن لم يكن مقدم الطلب)</translation>
    </message>
    <message>
        <source>Service details</source>
        <translation>بيانات الخدمة</translation>
    </message>
    <message>
        <source>Description of the problem</source>
        <translation>وصف المشكلة</translation>
    </message>
</context>
<context>
    <name>EnquiryPage</name>
    <message>
        <source>Enter a request number (%1 digits) or an identity number (10 digits).</source>
        <translation>أدخل رقم الطلب (%1 رقماً) أو رقم الهوية (10 أرقام).</translation>
    </message>
    <message>
        <source>No requests for this identity number.</source>
        <translation>لا توجد طلبات لرقم الهوية هذا.</translation>
    </message>
    <message>
        <source>Find a request by its number or by an identity number.</source>
        <translation>ابحث عن الطلب برقمه أو برقم الهوية.</translation>
    </message>
    <message>
        <source>This request is %1: no follow-up can be recorded.</source>
        <translation>هذا الطلب %1: لا يمكن تسجيل متابعة له.</translation>
    </message>
    <message>
        <source>A follow-up can be recorded now.</source>
        <translation>يمكن تسجيل المتابعة الآن.</translation>
    </message>
    <message>
        <source>A follow-up can be recorded from %1.</source>
        <translation>يمكن تسجيل المتابعة ابتداءً من %1.</translation>
    </message>
    <message>
        <source>Enquiry</source>
        <translation>الاستعلام</translation>
    </message>
    <message>
        <source>Request &amp;number or identity number</source>
        <translation>رقم الطلب أو رقم الهوية</translation>
    </message>
    <message>
        <source>e.g. 101-01-26-000001-7 or 1XXXXXXXXX</source>
        <translation>مثل 101-01-26-000001-7 أو 1XXXXXXXXX</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>بحث</translation>
    </message>
    <message>
        <source>Requests found</source>
        <translation>الطلبات الموجودة</translation>
    </message>
    <message>
        <source>Recent requests at this counter</source>
        <translation>أحدث طلبات هذا الشباك</translation>
    </message>
    <message>
        <source>Note for the follow-up (optional)</source>
        <translation>ملاحظة المتابعة (اختيارية)</translation>
    </message>
    <message>
        <source>Record &amp;follow-up</source>
        <translation>تسجيل متابعة</translation>
    </message>
    <message>
        <source>&amp;Reprint receipt</source>
        <translation>إعادة &amp;طباعة الإيصال</translation>
    </message>
</context>
<context>
    <name>ErrorHook</name>
    <message>
        <source>Something went wrong</source>
        <translation>حدث خطأ</translation>
    </message>
    <message>
        <source>An unexpected error occurred. What you typed is kept; please try again. If it happens again, tell the administrator (the details are in the log file).</source>
        <translation>حدث خطأ غير متوقع. ما أدخلته محفوظ؛ أعد المحاولة من فضلك. إن تكرر الخطأ فأبلغ مدير النظام (التفاصيل في ملف السجل).</translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <source>My queue</source>
        <translation>طلباتي</translation>
    </message>
    <message>
        <source>Due within 2 working days</source>
        <translation>تستحق خلال يومي عمل</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>متأخرة</translation>
    </message>
    <message>
        <source>Waiting for a decision</source>
        <translation>بانتظار القرار</translation>
    </message>
    <message>
        <source>Returned to applicant</source>
        <translation>المعادة لمقدم الطلب</translation>
    </message>
    <message>
        <source>All requests</source>
        <translation>كل الطلبات</translation>
    </message>
    <message>
        <source>Save filter</source>
        <translation>حفظ عامل التصفية</translation>
    </message>
    <message>
        <source>Name of this filter:</source>
        <translation>اسم عامل التصفية:</translation>
    </message>
    <message>
        <source>Saved filters</source>
        <translation>عوامل التصفية المحفوظة</translation>
    </message>
    <message>
        <source>Anyone</source>
        <translation>أي أحد</translation>
    </message>
    <message>
        <source>Me</source>
        <translation>أنا</translation>
    </message>
    <message>
        <source>Nobody</source>
        <translation>لا أحد</translation>
    </message>
    <message>
        <source>&amp;Status</source>
        <translation>ال&amp;حالة</translation>
    </message>
    <message>
        <source>Ser&amp;vice</source>
        <translation>ال&amp;خدمة</translation>
    </message>
    <message>
        <source>Coun&amp;ter</source>
        <translation>ال&amp;شباك</translation>
    </message>
    <message>
        <source>&amp;From</source>
        <translation>&amp;من</translation>
    </message>
    <message>
        <source>&amp;To</source>
        <translation>إ&amp;لى</translation>
    </message>
    <message>
        <source>&amp;Deadline</source>
        <translation>ال&amp;مهلة</translation>
    </message>
    <message>
        <source>Assi&amp;gnee</source>
        <translation>الم&amp;سؤول</translation>
    </message>
    <message>
        <source>&amp;Queue</source>
        <translation>ال&amp;قائمة</translation>
    </message>
    <message>
        <source>Sea&amp;rch</source>
        <translation>ب&amp;حث</translation>
    </message>
    <message>
        <source>Request number, name or full identity number</source>
        <translation>رقم الطلب أو الاسم أو رقم الهوية كاملًا</translation>
    </message>
    <message>
        <source>Save filter…</source>
        <translation>حفظ التصفية…</translation>
    </message>
    <message>
        <source>Delete filter</source>
        <translation>حذف التصفية</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation>م&amp;سح</translation>
    </message>
    <message>
        <source>All</source>
        <translation>الكل</translation>
    </message>
    <message>
        <source>Any</source>
        <translation>أي</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>كل الحالات</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>المفتوحة</translation>
    </message>
    <message>
        <source>All services</source>
        <translation>كل الخدمات</translation>
    </message>
</context>
<context>
    <name>FirstAdminForm</name>
    <message>
        <source>Create the first administrator</source>
        <translation>إنشاء أول مدير للنظام</translation>
    </message>
    <message>
        <source>Welcome to Tawasul Desk</source>
        <translation>مرحباً بك في مكتب تواصل</translation>
    </message>
    <message>
        <source>No administrator exists yet. Create the first administrator account; it can then add the clerks.</source>
        <translation>لا يوجد مدير للنظام بعد. أنشئ حساب المدير الأول، ثم يضيف المدير حسابات الموظفين.</translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation>اسم المستخدم</translation>
    </message>
    <message>
        <source>Latin letters and digits, e.g. admin</source>
        <translation>حروف لاتينية وأرقام، مثل admin</translation>
    </message>
    <message>
        <source>&amp;Full name</source>
        <translation>الاسم الكامل</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>كلمة المرور</translation>
    </message>
    <message>
        <source>&amp;Repeat password</source>
        <translation>تأكيد كلمة المرور</translation>
    </message>
    <message>
        <source>&amp;Create administrator</source>
        <translation>إنشاء المدير</translation>
    </message>
</context>
<context>
    <name>FirstAdminPanel</name>
    <message>
        <source>The two passwords differ.</source>
        <translation>كلمتا المرور غير متطابقتين.</translation>
    </message>
</context>
<context>
    <name>IntakeWizard</name>
    <message>
        <source>Service</source>
        <translation>الخدمة</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>المرفقات</translation>
    </message>
    <message>
        <source>Open request exists</source>
        <translation>يوجد طلب مفتوح</translation>
    </message>
    <message>
        <source>Request number: %1
Expected answer by: %2
Follow-up possible from: %3</source>
        <translation>رقم الطلب: %1
موعد الرد المتوقع: %2
تُتاح المتابعة من: %3</translation>
    </message>
    <message>
        <source>Last request submitted.</source>
        <translation>قُدِّم آخر طلب بنجاح.</translation>
    </message>
    <message>
        <source>Discard request</source>
        <translation>إلغاء الطلب</translation>
    </message>
    <message>
        <source>Discard this request and everything typed for it?</source>
        <translation>هل تريد إلغاء هذا الطلب وكل ما أُدخل فيه؟</translation>
    </message>
    <message>
        <source>Applicant and details</source>
        <translation>مقدم الطلب والبيانات</translation>
    </message>
    <message>
        <source>Confirm and submit</source>
        <translation>المراجعة والتقديم</translation>
    </message>
    <message>
        <source>Step %1 of 4: %2</source>
        <translation>الخطوة %1 من 4: %2</translation>
    </message>
    <message>
        <source>Discard (Esc)</source>
        <translation>إلغاء (Esc)</translation>
    </message>
    <message>
        <source>Back (Alt+B)</source>
        <translation>السابق (Alt+B)</translation>
    </message>
    <message>
        <source>Next (Alt+N)</source>
        <translation>التالي (Alt+N)</translation>
    </message>
    <message>
        <source>Submit request (Ctrl+Enter)</source>
        <translation>تقديم الطلب (Ctrl+Enter)</translation>
    </message>
</context>
<context>
    <name>LoginForm</name>
    <message>
        <source>Sign in</source>
        <translation>تسجيل الدخول</translation>
    </message>
    <message>
        <source>Tawasul Desk</source>
        <translation>مكتب تواصل</translation>
    </message>
    <message>
        <source>Sign in to take requests at this counter.</source>
        <translation>سجّل الدخول لاستقبال الطلبات في هذا الشباك.</translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation>اسم المستخدم</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>كلمة المرور</translation>
    </message>
    <message>
        <source>&amp;Sign in</source>
        <translation>دخول</translation>
    </message>
</context>
<context>
    <name>LoginPanel</name>
    <message>
        <source>Opening the database…</source>
        <translation>جارٍ فتح قاعدة البيانات…</translation>
    </message>
    <message>
        <source>The session of %1 is locked. Enter the password to continue, or sign in as someone else (the unfinished request is kept as a draft).</source>
        <translation>جلسة %1 مقفلة. أدخل كلمة المرور للمتابعة، أو سجّل الدخول بمستخدم آخر (ويُحفظ الطلب غير المكتمل مسودةً).</translation>
    </message>
    <message>
        <source>Sign in to take requests at this counter.</source>
        <translation>سجّل الدخول لاستقبال الطلبات في هذا الشباك.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>The database %1 was written by a newer Tawasul Desk than this one (schema %2). Install the newer version, or ask the administrator.</source>
        <translation>قاعدة البيانات %1 كُتبت بإصدار أحدث من مكتب تواصل من هذا الإصدار (المخطط %2). ثبّت الإصدار الأحدث أو راجع مدير النظام.</translation>
    </message>
    <message>
        <source>The database %1 could not be opened: %2</source>
        <translation>تعذر فتح قاعدة البيانات %1: %2</translation>
    </message>
    <message>
        <source>Diagnostics copied to the clipboard.</source>
        <translation>نُسخت معلومات التشخيص إلى الحافظة.</translation>
    </message>
    <message>
        <source>Unfinished request</source>
        <translation>طلب غير مكتمل</translation>
    </message>
    <message>
        <source>You have an unfinished request from %1. Continue it now?</source>
        <translation>لديك طلب لم يكتمل منذ %1. هل تتابعه الآن؟</translation>
    </message>
    <message>
        <source>&amp;Continue it</source>
        <translation>&amp;متابعته الآن</translation>
    </message>
    <message>
        <source>&amp;Keep it for later</source>
        <translation>الإ&amp;بقاء عليه لوقت لاحق</translation>
    </message>
    <message>
        <source>&amp;Discard it</source>
        <translation>&amp;حذفه</translation>
    </message>
    <message>
        <source>%1 (%2), counter %3</source>
        <translation>%1 (%2)، الشباك %3</translation>
    </message>
    <message>
        <source>Signed in: %1 (%2)</source>
        <translation>المستخدم: %1 (%2)</translation>
    </message>
    <message>
        <source>Locked: %1</source>
        <translation>مقفل: %1</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>لم يسجَّل الدخول</translation>
    </message>
    <message>
        <source>Tawasul Desk</source>
        <translation>مكتب تواصل</translation>
    </message>
    <message>
        <source>New request</source>
        <translation>طلب جديد</translation>
    </message>
    <message>
        <source>Enquiry</source>
        <translation>الاستعلام</translation>
    </message>
    <message>
        <source>&amp;Session</source>
        <translation>ا&amp;لجلسة</translation>
    </message>
    <message>
        <source>&amp;Lock</source>
        <translation>&amp;قفل</translation>
    </message>
    <message>
        <source>Sign &amp;out</source>
        <translation>تسجيل ال&amp;خروج</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>إ&amp;نهاء البرنامج</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>الل&amp;غة</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;مساعدة</translation>
    </message>
    <message>
        <source>Copy &amp;diagnostics</source>
        <translation>&amp;نسخ معلومات التشخيص</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Reject</source>
        <translation>رفض</translation>
    </message>
    <message numerus="yes">
        <source>Reject %n request(s). Tick the reasons and add your own words if needed; the reason is kept with the decision.</source>
        <translation>
            <numerusform>رفض أي طلب. حدّد الأسباب وأضف تفصيلًا إن لزم؛ يُحفظ السبب مع القرار.</numerusform>
            <numerusform>رفض طلب واحد. حدّد الأسباب وأضف تفصيلًا إن لزم؛ يُحفظ السبب مع القرار.</numerusform>
            <numerusform>رفض طلبين. حدّد الأسباب وأضف تفصيلًا إن لزم؛ يُحفظ السبب مع القرار.</numerusform>
            <numerusform>رفض %n طلبات. حدّد الأسباب وأضف تفصيلًا إن لزم؛ يُحفظ السبب مع القرار.</numerusform>
            <numerusform>رفض %n طلبًا. حدّد الأسباب وأضف تفصيلًا إن لزم؛ يُحفظ السبب مع القرار.</numerusform>
            <numerusform>رفض %n طلب. حدّد الأسباب وأضف تفصيلًا إن لزم؛ يُحفظ السبب مع القرار.</numerusform>
        </translation>
    </message>
    <message>
        <source>Return to the applicant</source>
        <translation>إعادة لمقدم الطلب</translation>
    </message>
    <message numerus="yes">
        <source>Return %n request(s) to the applicant. Tick what is missing; the deadline pauses until the counter records the answer.</source>
        <translation>
            <numerusform>إعادة أي طلب إلى مقدم الطلب. حدّد النواقص؛ تتوقف المهلة حتى يسجّل الشباك الرد.</numerusform>
            <numerusform>إعادة طلب واحد إلى مقدم الطلب. حدّد النواقص؛ تتوقف المهلة حتى يسجّل الشباك الرد.</numerusform>
            <numerusform>إعادة طلبين إلى مقدم الطلب. حدّد النواقص؛ تتوقف المهلة حتى يسجّل الشباك الرد.</numerusform>
            <numerusform>إعادة %n طلبات إلى مقدم الطلب. حدّد النواقص؛ تتوقف المهلة حتى يسجّل الشباك الرد.</numerusform>
            <numerusform>إعادة %n طلبًا إلى مقدم الطلب. حدّد النواقص؛ تتوقف المهلة حتى يسجّل الشباك الرد.</numerusform>
            <numerusform>إعادة %n طلب إلى مقدم الطلب. حدّد النواقص؛ تتوقف المهلة حتى يسجّل الشباك الرد.</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Other / details:</source>
        <translation>أ&amp;خرى / تفاصيل:</translation>
    </message>
</context>
<context>
    <name>ReceiptDialog</name>
    <message>
        <source>Receipt (copy)</source>
        <translation>الإيصال (نسخة)</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>الإيصال</translation>
    </message>
    <message>
        <source>&amp;Print…</source>
        <translation>&amp;طباعة…</translation>
    </message>
    <message>
        <source>&amp;Print</source>
        <translation>&amp;طباعة</translation>
    </message>
    <message>
        <source>Print &amp;to…</source>
        <translation>طباعة &amp;على…</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>جارٍ الإرسال إلى الطابعة…</translation>
    </message>
    <message>
        <source>Sent to the printer %1.</source>
        <translation>أُرسل إلى الطابعة %1.</translation>
    </message>
    <message>
        <source>&amp;Save as PDF…</source>
        <translation>&amp;حفظ بصيغة PDF…</translation>
    </message>
    <message>
        <source>Preparing the receipt…</source>
        <translation>جارٍ تجهيز الإيصال…</translation>
    </message>
    <message>
        <source>The receipt cannot be drawn: %1</source>
        <translation>تعذر إنشاء الإيصال: %1</translation>
    </message>
    <message numerus="yes">
        <source>Sent to the printer (%n page(s)).</source>
        <translation>
            <numerusform>أُرسل إلى الطابعة (لا صفحات).</numerusform>
            <numerusform>أُرسل إلى الطابعة (صفحة واحدة).</numerusform>
            <numerusform>أُرسل إلى الطابعة (صفحتان).</numerusform>
            <numerusform>أُرسل إلى الطابعة (%n صفحات).</numerusform>
            <numerusform>أُرسل إلى الطابعة (%n صفحة).</numerusform>
            <numerusform>أُرسل إلى الطابعة (%n صفحة).</numerusform>
        </translation>
    </message>
    <message>
        <source>Printing failed: %1</source>
        <translation>تعذرت الطباعة: %1</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>حُفظ في %1</translation>
    </message>
    <message>
        <source>Save receipt</source>
        <translation>حفظ الإيصال</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>ملفات PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Saving failed: %1</source>
        <translation>تعذر الحفظ: %1</translation>
    </message>
</context>
<context>
    <name>RecentRequestsModel</name>
    <message>
        <source>Number</source>
        <translation>الرقم</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>الخدمة</translation>
    </message>
    <message>
        <source>Applicant</source>
        <translation>مقدم الطلب</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>الحالة</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>موعد الرد</translation>
    </message>
</context>
<context>
    <name>RequestQueueModel</name>
    <message numerus="yes">
        <source>%n working day(s) left</source>
        <translation>
            <numerusform>لم يبقَ يوم عمل</numerusform>
            <numerusform>يبقى يوم عمل واحد</numerusform>
            <numerusform>يبقى يوما عمل</numerusform>
            <numerusform>تبقى %n أيام عمل</numerusform>
            <numerusform>يبقى %n يوم عمل</numerusform>
            <numerusform>يبقى %n يوم عمل</numerusform>
        </translation>
    </message>
    <message>
        <source>Due today</source>
        <translation>مستحق اليوم</translation>
    </message>
    <message numerus="yes">
        <source>Overdue by %n working day(s)</source>
        <translation>
            <numerusform>متأخر</numerusform>
            <numerusform>متأخر يوم عمل واحد</numerusform>
            <numerusform>متأخر يومَي عمل</numerusform>
            <numerusform>متأخر %n أيام عمل</numerusform>
            <numerusform>متأخر %n يوم عمل</numerusform>
            <numerusform>متأخر %n يوم عمل</numerusform>
        </translation>
    </message>
    <message>
        <source>Paused (returned)</source>
        <translation>متوقف (معاد)</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>الرقم</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>الخدمة</translation>
    </message>
    <message>
        <source>Applicant</source>
        <translation>مقدم الطلب</translation>
    </message>
    <message>
        <source>Counter</source>
        <translation>الشباك</translation>
    </message>
    <message>
        <source>Submitted</source>
        <translation>وقت التقديم</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>الاستحقاق</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>الوقت المتبقي</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>الحالة</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>المسؤول</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>المتابعات</translation>
    </message>
</context>
<context>
    <name>ServicePage</name>
    <message>
        <source>Service</source>
        <translation>الخدمة</translation>
    </message>
    <message>
        <source>Which service is the request about?</source>
        <translation>ما الخدمة التي يتعلق بها الطلب؟</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>بحث</translation>
    </message>
    <message>
        <source>Type part of the service name, in Arabic or English</source>
        <translation>اكتب جزءاً من اسم الخدمة بالعربية أو الإنجليزية</translation>
    </message>
    <message>
        <source>Choose a service to see its conditions and documents.</source>
        <translation>اختر خدمة لعرض شروطها ومستنداتها.</translation>
    </message>
    <message>
        <source>Conditions</source>
        <translation>الشروط</translation>
    </message>
    <message>
        <source>Accepted identity</source>
        <translation>الهوية المقبولة</translation>
    </message>
    <message>
        <source>Required documents</source>
        <translation>المستندات المطلوبة</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <source>Data folder</source>
        <translation>مجلد البيانات</translation>
    </message>
    <message>
        <source>Choose the data folder.</source>
        <translation>اختر مجلد البيانات.</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>كلمتا المرور مختلفتان.</translation>
    </message>
    <message>
        <source>Saved. Preparing the database…</source>
        <translation>حُفظت الإعدادات. جارٍ تجهيز قاعدة البيانات…</translation>
    </message>
    <message>
        <source>The database could not be prepared: %1</source>
        <translation>تعذر تجهيز قاعدة البيانات: %1</translation>
    </message>
    <message>
        <source>Set up Tawasul Desk</source>
        <translation>إعداد مكتب تواصل</translation>
    </message>
    <message>
        <source>Configuration file: %1</source>
        <translation>ملف الإعدادات: %1</translation>
    </message>
</context>
<context>
    <name>SetupForm</name>
    <message>
        <source>Set up Tawasul Desk</source>
        <translation>إعداد مكتب تواصل</translation>
    </message>
    <message>
        <source>Set up this counter</source>
        <translation>إعداد هذا الشباك</translation>
    </message>
    <message>
        <source>These settings are saved in the configuration file named below; they can be changed there later. The administrator account is created in the database of the data folder.</source>
        <translation>تُحفظ هذه الإعدادات في ملف الإعدادات المذكور أدناه ويمكن تعديلها فيه لاحقاً. ويُنشأ حساب مدير النظام في قاعدة بيانات مجلد البيانات.</translation>
    </message>
    <message>
        <source>Centre and counter</source>
        <translation>المركز والشباك</translation>
    </message>
    <message>
        <source>Centre &amp;code</source>
        <translation>رمز المركز</translation>
    </message>
    <message>
        <source>three digits, e.g. 101</source>
        <translation>ثلاثة أرقام، مثل 101</translation>
    </message>
    <message>
        <source>Centre name (&amp;Arabic)</source>
        <translation>اسم المركز (بالعربية)</translation>
    </message>
    <message>
        <source>Centre name (&amp;English)</source>
        <translation>اسم المركز (بالإنجليزية)</translation>
    </message>
    <message>
        <source>C&amp;ounter number</source>
        <translation>رقم الشباك</translation>
    </message>
    <message>
        <source>Data and receipts</source>
        <translation>البيانات والإيصالات</translation>
    </message>
    <message>
        <source>&amp;Data folder</source>
        <translation>مجلد البيانات</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>اختيار…</translation>
    </message>
    <message>
        <source>&amp;Receipt format</source>
        <translation>مقاس الإيصال</translation>
    </message>
    <message>
        <source>&amp;Printer</source>
        <translation>الطابعة</translation>
    </message>
    <message>
        <source>Central database (optional)</source>
        <translation>قاعدة البيانات المركزية (اختياري)</translation>
    </message>
    <message>
        <source>host=… dbname=… user=… (no password here)</source>
        <translation>host=… dbname=… user=… (بدون كلمة مرور هنا)</translation>
    </message>
    <message>
        <source>First administrator</source>
        <translation>أول مدير للنظام</translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation>اسم المستخدم</translation>
    </message>
    <message>
        <source>Latin letters and digits, e.g. admin</source>
        <translation>حروف لاتينية وأرقام، مثل admin</translation>
    </message>
    <message>
        <source>&amp;Full name</source>
        <translation>الاسم الكامل</translation>
    </message>
    <message>
        <source>Pass&amp;word</source>
        <translation>كلمة المرور</translation>
    </message>
    <message>
        <source>Re&amp;peat password</source>
        <translation>تأكيد كلمة المرور</translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <source>The configuration is not valid:</source>
        <translation>ملف الإعدادات غير صالح:</translation>
    </message>
    <message>
        <source>Correct the file (or start with --setup), then start Tawasul Desk again.</source>
        <translation>صحّح الملف (أو شغّل البرنامج مع ‎--setup‏) ثم شغّل مكتب تواصل من جديد.</translation>
    </message>
</context>
<context>
    <name>SupervisorWorkspace</name>
    <message>
        <source>Counting…</source>
        <translation>جارٍ العد…</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation>
            <numerusform>لا طلبات</numerusform>
            <numerusform>طلب واحد</numerusform>
            <numerusform>طلبان</numerusform>
            <numerusform>%n طلبات</numerusform>
            <numerusform>%n طلبًا</numerusform>
            <numerusform>%n طلب</numerusform>
        </translation>
    </message>
    <message>
        <source>Supervision</source>
        <translation>الإشراف</translation>
    </message>
    <message>
        <source>Select at most %1 requests at a time.</source>
        <translation>اختر %1 طلب على الأكثر في كل مرة.</translation>
    </message>
    <message>
        <source>Some selected rows are still loading; try again in a moment.</source>
        <translation>بعض الصفوف المختارة ما زالت تُحمَّل؛ أعد المحاولة بعد لحظة.</translation>
    </message>
    <message>
        <source>Accept request %1?</source>
        <translation>قبول الطلب %1؟</translation>
    </message>
    <message numerus="yes">
        <source>Accept these %n request(s)?</source>
        <translation>
            <numerusform>قبول أي طلب؟</numerusform>
            <numerusform>قبول هذا الطلب؟</numerusform>
            <numerusform>قبول هذين الطلبين؟</numerusform>
            <numerusform>قبول هذه الطلبات الـ%n؟</numerusform>
            <numerusform>قبول هذه الطلبات الـ%n؟</numerusform>
            <numerusform>قبول هذه الطلبات الـ%n؟</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>…and %n more (Show Details…)</source>
        <translation>
            <numerusform></numerusform>
            <numerusform>…وطلب آخر (إظهار التفاصيل…)</numerusform>
            <numerusform>…وطلبان آخران (إظهار التفاصيل…)</numerusform>
            <numerusform>…و%n طلبات أخرى (إظهار التفاصيل…)</numerusform>
            <numerusform>…و%n طلبًا آخر (إظهار التفاصيل…)</numerusform>
            <numerusform>…و%n طلب آخر (إظهار التفاصيل…)</numerusform>
        </translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>قبول</translation>
    </message>
    <message numerus="yes">
        <source>Assigned: %n request(s).</source>
        <translation>
            <numerusform>تم الإسناد: لا طلبات.</numerusform>
            <numerusform>تم الإسناد: طلب واحد.</numerusform>
            <numerusform>تم الإسناد: طلبان.</numerusform>
            <numerusform>تم الإسناد: %n طلبات.</numerusform>
            <numerusform>تم الإسناد: %n طلبًا.</numerusform>
            <numerusform>تم الإسناد: %n طلب.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Accepted: %n request(s).</source>
        <translation>
            <numerusform>تم القبول: لا طلبات.</numerusform>
            <numerusform>تم القبول: طلب واحد.</numerusform>
            <numerusform>تم القبول: طلبان.</numerusform>
            <numerusform>تم القبول: %n طلبات.</numerusform>
            <numerusform>تم القبول: %n طلبًا.</numerusform>
            <numerusform>تم القبول: %n طلب.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Rejected: %n request(s).</source>
        <translation>
            <numerusform>تم الرفض: لا طلبات.</numerusform>
            <numerusform>تم الرفض: طلب واحد.</numerusform>
            <numerusform>تم الرفض: طلبان.</numerusform>
            <numerusform>تم الرفض: %n طلبات.</numerusform>
            <numerusform>تم الرفض: %n طلبًا.</numerusform>
            <numerusform>تم الرفض: %n طلب.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Returned to the applicant: %n request(s).</source>
        <translation>
            <numerusform>أُعيد إلى مقدم الطلب: لا طلبات.</numerusform>
            <numerusform>أُعيد إلى مقدم الطلب: طلب واحد.</numerusform>
            <numerusform>أُعيد إلى مقدم الطلب: طلبان.</numerusform>
            <numerusform>أُعيد إلى مقدم الطلب: %n طلبات.</numerusform>
            <numerusform>أُعيد إلى مقدم الطلب: %n طلبًا.</numerusform>
            <numerusform>أُعيد إلى مقدم الطلب: %n طلب.</numerusform>
        </translation>
    </message>
    <message>
        <source>Not done</source>
        <translation>لم يُنفَّذ</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s) were not changed:</source>
        <translation>
            <numerusform>تعذّر الإجراء على أي طلب:</numerusform>
            <numerusform>تعذّر الإجراء على طلب واحد:</numerusform>
            <numerusform>تعذّر الإجراء على طلبين:</numerusform>
            <numerusform>تعذّر الإجراء على %n طلبات:</numerusform>
            <numerusform>تعذّر الإجراء على %n طلبًا:</numerusform>
            <numerusform>تعذّر الإجراء على %n طلب:</numerusform>
        </translation>
    </message>
    <message>
        <source>Export to CSV</source>
        <translation>تصدير إلى CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>ملفات CSV (*.csv)</translation>
    </message>
    <message>
        <source>Export to Excel</source>
        <translation>تصدير إلى Excel</translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>مصنفات Excel (*.xlsx)</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>جارٍ التصدير…</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n row(s) to %1.</source>
        <translation>
            <numerusform>صُدِّر لا صفوف إلى %1.</numerusform>
            <numerusform>صُدِّر صف واحد إلى %1.</numerusform>
            <numerusform>صُدِّر صفّين إلى %1.</numerusform>
            <numerusform>صُدِّر %n صفوف إلى %1.</numerusform>
            <numerusform>صُدِّر %n صفًا إلى %1.</numerusform>
            <numerusform>صُدِّر %n صف إلى %1.</numerusform>
        </translation>
    </message>
    <message>
        <source>Daily summary</source>
        <translation>الملخص اليومي</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>ملفات PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Writing the daily summary…</source>
        <translation>جارٍ إعداد الملخص اليومي…</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>قائمة الطلبات</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>لوحة المتابعة</translation>
    </message>
    <message>
        <source>&amp;Claim</source>
        <translation>ا&amp;ستلام</translation>
    </message>
    <message>
        <source>A&amp;ssign…</source>
        <translation>إ&amp;سناد…</translation>
    </message>
    <message>
        <source>&amp;Accept</source>
        <translation>&amp;قبول</translation>
    </message>
    <message>
        <source>&amp;Reject…</source>
        <translation>&amp;رفض…</translation>
    </message>
    <message>
        <source>Re&amp;turn…</source>
        <translation>إ&amp;عادة…</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>تصدير CSV…</translation>
    </message>
    <message>
        <source>Export Excel…</source>
        <translation>تصدير Excel…</translation>
    </message>
    <message>
        <source>Daily summary PDF…</source>
        <translation>الملخص اليومي PDF…</translation>
    </message>
    <message>
        <source>Asking the central database for the supervision queue…</source>
        <translation>جارٍ سؤال الخادم المركزي عن قائمة الإشراف…</translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message>
        <source>Sync failed; retrying: %1</source>
        <translation>تعذرت المزامنة؛ ستُعاد المحاولة: %1</translation>
    </message>
    <message>
        <source>Central: not yet reached</source>
        <translation>المركز: لم يُتصل به بعد</translation>
    </message>
    <message>
        <source>Central: online</source>
        <translation>المركز: متصل</translation>
    </message>
    <message>
        <source>Central: offline</source>
        <translation>المركز: غير متصل</translation>
    </message>
    <message>
        <source>pending: %1</source>
        <translation>بانتظار الإرسال: %1</translation>
    </message>
    <message>
        <source>behind central: %1 change(s)</source>
        <translation>متأخر عن المركز: %1 تغيير</translation>
    </message>
    <message>
        <source>Central: this is a supervisor&apos;s desk; the queue reads central directly, nothing to send</source>
        <translation>المركزي: هذا جهاز مشرف؛ تُقرأ القائمة من الخادم المركزي مباشرة، ولا شيء للإرسال</translation>
    </message>
    <message>
        <source>refused: %1</source>
        <translation>مرفوضة: %1</translation>
    </message>
    <message>
        <source>last sync: %1</source>
        <translation>آخر مزامنة: %1</translation>
    </message>
    <message>
        <source>Refused by the central database</source>
        <translation>رفضتها قاعدة البيانات المركزية</translation>
    </message>
    <message>
        <source>These changes were refused and kept; the central state applies:</source>
        <translation>رُفضت هذه التغييرات وحُفظت؛ المعتمد هو ما في قاعدة البيانات المركزية:</translation>
    </message>
    <message>
        <source>Refused…</source>
        <translation>مرفوضة…</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>زامن الآن</translation>
    </message>
</context>
</TS>
