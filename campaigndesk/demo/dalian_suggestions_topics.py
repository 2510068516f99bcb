"""More topics of the Dalian demo's suggestions (see `dalian_suggestions_data`): the city
and its services, the environment and the conduct of officials in Chinese, and the
suggestions of residents and companies from abroad in English."""

from __future__ import annotations

from .dalian_suggestions_data import Topic

P = Topic

# The city: housing, transport, services, environment, officials.
CITY: tuple[Topic, ...] = (
    P(
        "metro",
        "urban",
        "DL-JTJ",
        5,
        (
            "加快地铁5号线建设，缓解跨海通道交通压力",
            "建议地铁末班车延长到晚上11点",
            "地铁站增设公交接驳线路",
            "地铁2号线早晚高峰太挤，建议加密班次",
        ),
        (
            "主城区往返甘井子区北部的通道少，早晚高峰堵车严重，大家都盼着地铁5号线早日建成。",
            "目前地铁末班车时间偏早，加班的上班族和看完演出的市民回家很不方便。",
            "很多地铁站出口离小区还有一两公里，缺少公交接驳，“最后一公里”难走。",
            "地铁2号线早晚高峰拥挤严重，春柳、交通大学等站经常上不去车。",
        ),
        (
            "建议加快地铁5号线等线路建设进度，尽早形成轨道交通网络。",
            "建议周五、周六晚间延长地铁运营时间，并加密高峰时段班次。",
            "建议在地铁站周边增设社区微循环公交，方便市民换乘。",
            "建议地铁2号线高峰时段加密班次，开行大站快车。",
        ),
        "完善地铁运营和接驳",
        adopted=(
            "您的建议已被采纳。自2019年元旦起，地铁1、2号线周五、"
            "周六及节假日前一天末班车延长至22时30分，"
            "早晚高峰行车间隔由5分钟缩短至4分钟。"
        ),
        explained=(
            "地铁5号线工程已于2016年开工，目前正在施工，计划2021年建成通车。"
            "地铁站公交接驳线路正在结合公交线网优化统筹调整。"
        ),
        not_adopted=(
            "感谢您的建议。地铁夜间需要进行设备检修，目前运营时间已接近检修时间要求，"
            "暂不能在工作日整体延长，我们将优先在周末和节假日延时运营。"
        ),
    ),
    P(
        "old-estates",
        "urban",
        "district",
        5,
        (
            "{place}老旧小区改造，建议增设电梯",
            "{place}的老小区管网老化，建议纳入改造计划",
            "加快{place}老旧小区综合改造",
        ),
        (
            ("{place}的老旧小区多为六七层没有电梯的楼房，住在高层的老年人上下楼非常困难。"),
            ("我住在{place}一个上世纪八十年代建成的小区，楼道破损、管网老化，冬天经常跑冒滴漏。"),
            "{place}有些老小区没有物业，垃圾乱堆、车辆乱停，居民意见很大。",
        ),
        (
            "建议出台既有住宅加装电梯的政府补贴政策，简化审批手续。",
            "建议将这些小区纳入明年老旧小区改造计划，同步更换供热、供水管网。",
            "建议改造后引入物业服务，建立长效管理机制。",
        ),
        "老旧小区改造",
        adopted=(
            "您的建议已被采纳。您所反映的小区已列入2019年老旧小区改造计划，"
            "改造内容包括楼体保温、管网更换、道路和停车设施整治，具备条件的将试点加装电梯，"
            "政府给予每部电梯20万元补贴。"
        ),
        explained=(
            "我区已于今年完成老旧小区改造38个，您反映的小区已纳入明后两年的改造计划，"
            "改造前将征求居民意见。"
        ),
        not_adopted=(
            "感谢您的建议。经现场查看，该小区部分楼体已列入棚户区改造征收范围，"
            "不再单独实施综合改造，征收工作将按计划推进。"
        ),
        places=(
            ("西岗区八一路街道", "DL-XG"),
            ("沙河口区春柳街道", "DL-SHK"),
            ("中山区人民路街道", "DL-ZS"),
            ("甘井子区泡崖街道", "DL-GJZ"),
            ("甘井子区红旗街道", "DL-GJZ"),
            ("沙河口区黑石礁街道", "DL-SHK"),
            ("西岗区香炉礁", "DL-XG"),
        ),
    ),
    P(
        "heating",
        "livelihood",
        "DL-ZJJ",
        5,
        (
            "{place}冬季供暖温度不达标，建议加强监管",
            "建议供暖费实行按热计量收费",
            "供暖期能否根据气温提前开栓",
            "{place}供热管网老化，请尽快改造",
        ),
        (
            "今年入冬以来，{place}一些小区室温只有十五六度，老人孩子冻得只能穿棉衣。",
            "我家住在{place}顶层边户，每年供暖都不热，打供热热线也解决不了。",
            "今年十月底气温已经降到零度左右，但还要等到11月5日才开栓，居民很难熬。",
            ("{place}的供热管网是上世纪九十年代铺设的，今年入冬已经爆管两次，每次停暖一两天。"),
        ),
        (
            "建议供热主管部门建立室温监测和不达标退费制度，让热企有压力。",
            "建议推行按热计量收费，多用多交、少用少交。",
            "建议根据气温变化建立弹性供暖机制，气温持续偏低时提前供暖。",
            "建议将老旧供热管网改造列入明年计划，减少爆管停暖。",
        ),
        "保障冬季供暖",
        adopted=(
            "您的建议已被采纳。市住建局将建立供热质量室温监测平台，"
            "2019-2020年供暖期起，室温不达标的按规定退还供暖费，"
            "并建立气温持续偏低时提前供暖的弹性机制。"
        ),
        explained=(
            "收到您的建议后，我局已督促供热企业对您反映的区域进行排查，"
            "更换老化管网1.2公里，目前室温已达到18℃以上。按热计量收费正在试点推进。"
        ),
        not_adopted=(
            "感谢您的建议。全面推行按热计量收费需要对既有建筑进行分户改造，投资大、周期长，"
            "目前只在新建建筑中实行，既有建筑将结合改造逐步推进。"
        ),
        places=(
            ("甘井子区", "DL-GJZ"),
            ("沙河口区", "DL-SHK"),
            ("中山区", "DL-ZS"),
            ("西岗区", "DL-XG"),
            ("金州区", "DL-JZ"),
            ("旅顺口区", "DL-LSK"),
        ),
    ),
    P(
        "parking",
        "urban",
        "DL-CGJ",
        5,
        (
            "医院、学校周边停车难，建议建设立体停车场",
            "建议推行错时共享停车",
            "利用闲置地块建设公共停车场",
        ),
        (
            "中山区、西岗区的老城区道路窄、停车位少，医院周边经常堵成一片。",
            "很多机关和企事业单位的停车场晚上和周末都空着，周边居民却没地方停车。",
        ),
        (
            "建议利用边角地、闲置地块建设立体停车场，引入社会资本运营。",
            "建议推动机关、企事业单位停车场错时向社会开放。",
        ),
        "缓解停车难",
        explained=(
            "我市正在编制停车设施专项规划，今年已新建公共停车泊位6000个，"
            "并在中山区试点机关单位停车场夜间向居民开放。"
        ),
        not_adopted=(
            "感谢您的建议。您提到的地块已规划为城市绿地，按规定不能改作停车场，"
            "我们将在周边另行选址。"
        ),
    ),
    P(
        "bus-lines",
        "urban",
        "DL-JTJ",
        5,
        (
            "开通金普新区至高新区的快速公交线路",
            "优化公交线网，减少重复线路",
            "建议公交车实时到站信息全覆盖",
        ),
        (
            "我在高新区上班、住在金普新区，每天通勤单程要一个半小时，换乘两次。",
            "一些主干道上十几条公交线路重复，而新建小区却没有公交通达。",
            "等公交不知道车什么时候来，冬天在站台一等就是二十分钟。",
        ),
        (
            "建议开通跨区快速公交线路，高峰时段大站快车。",
            "建议根据客流大数据优化线网，新建小区同步开通公交。",
            "建议所有公交线路安装实时定位，手机上能查到车辆到站时间。",
        ),
        "优化公交线网",
        adopted=(
            "您的建议已被采纳。市交通局将于2019年开通金普新区至高新区的高峰快线，"
            "并利用客流大数据对全市公交线网进行优化调整。"
        ),
        explained="全市公交车实时到站查询已覆盖90%以上线路，剩余线路将于明年一季度完成设备安装。",
    ),
    P(
        "east-port",
        "urban",
        "DL-GHJ",
        3,
        (
            "加强东港区域规划，打造滨海商务区",
            "对标上海外滩和陆家嘴，提升大连城市天际线",
            "建议开展城市设计，提升滨海岸线品质",
        ),
        (
            "东港区域位置优越，但目前开发进度慢，配套不完善，人气不足。",
            "大连滨海岸线很长，但不少岸线被工厂和仓库占用，市民亲水空间不足。",
        ),
        (
            "建议对东港区域开展高水平城市设计，引进总部经济和金融机构。",
            "建议借鉴上海黄浦江两岸贯通的经验，分段打通滨海步道。",
        ),
        "滨海区域规划和城市设计",
        explained=(
            "我局正在组织编制东港区域及滨海岸线城市设计，将借鉴上海黄浦江两岸贯通经验，"
            "规划成果将于明年公示并征求市民意见。"
        ),
    ),
    P(
        "waste-sorting",
        "urban",
        "DL-CGJ",
        3,
        (
            "借鉴上海经验推行生活垃圾分类",
            "建议在小区设置垃圾分类投放点并配备督导员",
        ),
        (
            "上海即将实施生活垃圾管理条例，大连也应提前谋划。",
            "目前小区垃圾桶没有分类，居民即使分了类，清运时又混在一起。",
        ),
        (
            "建议先在机关、学校和部分小区试点，再逐步推开。",
            "建议建立分类投放、分类收集、分类运输、分类处理的全链条体系。",
        ),
        "推行生活垃圾分类",
        adopted=(
            "您的建议已被采纳。我市将于2019年在中山区、西岗区、"
            "沙河口区选择100个小区开展生活垃圾分类试点，同步建设分类运输和处理设施。"
        ),
        explained="我市公共机构生活垃圾分类已全面推行，居民小区分类试点方案正在制定。",
    ),
    P(
        "elderly-care",
        "livelihood",
        "DL-MZJ",
        5,
        (
            "建议在社区建设嵌入式养老服务站",
            "发展居家养老服务，解决老人吃饭难",
            "建议为高龄独居老人安装紧急呼叫设备",
        ),
        (
            "大连老龄化程度高，很多子女在外地工作，老人独居，吃饭、看病都成问题。",
            "我父母八十多岁住在老小区，附近没有老年食堂，每天做饭很吃力。",
            "我邻居是一位独居的八旬老人，上个月在家摔倒，两天后才被社区发现。",
            "公办养老院一床难求，民办养老院收费高，普通家庭负担不起。",
        ),
        (
            "建议利用社区闲置用房建设嵌入式养老服务站，提供助餐、助浴、日间照料服务。",
            "建议在老旧社区开设老年食堂和助餐点，对运营给予补贴。",
            "建议为80岁以上独居老人免费安装紧急呼叫设备，由社区定期探访。",
        ),
        "发展社区居家养老服务",
        adopted=(
            "您的建议已被采纳。市民政局将于2019年新建社区嵌入式养老服务站50个，"
            "开设老年助餐点100个，并为全市80岁以上独居老人免费安装紧急呼叫设备。"
        ),
        explained=(
            "我市已建成社区居家养老服务中心260个，今年新增老年助餐点45个，"
            "您反映的社区已列入明年建设计划。"
        ),
    ),
    P(
        "health",
        "livelihood",
        "DL-WJW",
        5,
        (
            "推进分级诊疗，社区医院应能开慢病长处方",
            "大医院挂号难，建议推广预约诊疗",
            "建议社区医院配备更多常用药品",
        ),
        (
            "患高血压、糖尿病的老人每个月都要去大医院排队开药，社区医院药品不全。",
            "到大医院看病，挂号、缴费、取药都要排长队，一上午只能看一个科。",
        ),
        (
            "建议社区医院与三甲医院药品目录衔接，对慢病患者开具长处方。",
            "建议全面推行分时段预约诊疗和诊间结算，减少排队。",
        ),
        "推进分级诊疗和便民就医",
        adopted=(
            "您的建议已被采纳。自2019年起，"
            "我市社区卫生服务中心对病情稳定的慢病患者可开具最长12周的长处方，"
            "并与三级医院药品目录衔接。"
        ),
        explained="全市三级医院已全部开通分时段预约诊疗，诊间结算已在8家医院推行。",
    ),
    P(
        "school-places",
        "livelihood",
        "DL-JYJ",
        5,
        (
            "{place}新建小区配套学校不足，小学学位紧张",
            "建议新建小区同步建设配套幼儿园和学校",
        ),
        (
            "{place}近几年新建小区多，人口增长快，配套小学一个班五十多个学生。",
            "我家孩子明年上小学，划片学校已经满额，要到三公里外的学校就读。",
        ),
        (
            "建议加快在建学校进度，通过集团化办学扩大优质学位。",
            "建议新建住宅小区配套学校与住宅同步规划、同步建设、同步交付。",
        ),
        "增加中小学学位",
        explained=("您反映的区域已规划新建小学2所、幼儿园3所，其中1所小学将于2019年9月投入使用。"),
        not_adopted=(
            "感谢您的建议。学区划分需综合考虑学校容量和居住分布，"
            "明年该区域的划片范围将保持稳定，我们将通过扩建校舍增加学位。"
        ),
        places=(
            ("金普新区", "DL-JP"),
            ("高新区", "DL-GXQ"),
            ("甘井子区", "DL-GJZ"),
        ),
    ),
    P(
        "coal-boilers",
        "ecology",
        "DL-STJ",
        5,
        (
            "冬季燃煤小锅炉污染严重，建议加快拆除并网",
            "建议加强对散煤燃烧的治理",
            "采暖季空气质量差，建议推进清洁取暖",
        ),
        (
            "每到供暖季，城乡结合部的燃煤小锅炉冒黑烟，早晚空气中有明显的煤烟味。",
            "不少平房居民和小商户冬季烧散煤取暖，污染大，也容易发生一氧化碳中毒。",
        ),
        (
            "建议加快燃煤小锅炉拆除并网，集中供热管网覆盖不到的推广电采暖、天然气采暖。",
            "建议对清洁取暖改造给予补贴，并加强散煤销售监管。",
        ),
        "推进清洁取暖，治理燃煤污染",
        adopted=(
            "您的建议已被采纳。我市将于2019年拆除城市建成区燃煤小锅炉120台，"
            "对农村地区清洁取暖改造给予每户最高5000元补贴，并开展散煤销售专项整治。"
        ),
        explained="今年我市已拆除燃煤小锅炉86台，采暖季空气质量优良天数同比增加11天。",
    ),
    P(
        "coastal-waters",
        "ecology",
        "DL-STJ",
        5,
        (
            "加强近岸海域污染治理，保护星海湾水质",
            "建议全面排查入海排污口",
            "建立海上漂浮垃圾打捞机制，保护海水浴场环境",
        ),
        (
            "夏天在星海湾、付家庄游泳时，能看到海面漂浮垃圾，部分岸段有异味。",
            "一些入海排污口未经处理直接排放，影响近岸海域水质。",
        ),
        (
            "建议加快污水处理厂提标改造，建立海上漂浮垃圾打捞机制。",
            "建议开展入海排污口全面排查，一口一策整治。",
        ),
        "近岸海域污染治理",
        explained=(
            "我市已完成入海排污口排查，共发现排污口436个，正在分类整治，"
            "主要海水浴场已建立漂浮垃圾日常打捞机制。"
        ),
    ),
    P(
        "lushun-tourism",
        "other",
        "DL-WLJ",
        5,
        (
            "旅顺口区文旅融合，打造近代史遗址旅游线路",
            "发展冬季旅游，打破大连旅游“半年闲”",
            "建议开通市区至旅顺景区的旅游专线",
            "建议串联旅顺博物馆、白玉山、东鸡冠山北堡垒，打造红色旅游品牌",
        ),
        (
            "旅顺口区历史遗迹众多，但景点分散，游客大多走马观花，半天就离开了。",
            "大连旅游旺季集中在夏天，冬季游客少，酒店和景区“半年闲”。",
            "从市区去旅顺的景点交通不方便，自驾游停车难，公交车要换乘。",
        ),
        (
            "建议编制旅顺近代史遗址旅游线路，推出一票通和讲解服务。",
            "建议发展温泉、滑雪、冰雪节等冬季旅游产品，开展冬季旅游营销。",
            "建议开通市区至旅顺主要景点的旅游专线，节假日加密班次。",
        ),
        "发展全域旅游和旅顺文旅融合",
        adopted=(
            "您的建议已被采纳。市文旅局将会同旅顺口区推出旅顺近代史遗址精品线路和景点联票，"
            "2019年旅游旺季开通市区至旅顺的旅游专线，并策划冬季温泉冰雪旅游季。"
        ),
        explained="我市已将旅顺口区列入全域旅游示范区创建单位，旅游专线方案正在论证。",
    ),
    P(
        "officials-conduct",
        "conduct",
        "DL-JW",
        6,
        (
            "窗口单位“门难进、脸难看、事难办”现象仍需整治",
            "整治为官不为、慢作为问题",
            "学习上海“店小二”精神，提升服务意识",
        ),
        (
            "我到某部门窗口办事，工作人员态度冷淡，材料不全也不一次性告知，让我来回跑了三趟。",
            "有的干部遇到问题推诿扯皮，“不求有功、但求无过”，企业的诉求迟迟得不到解决。",
        ),
        (
            "建议开展窗口单位作风明察暗访，结果公开曝光。",
            "建议建立办事评价制度，群众可对每次办事进行评价，评价结果纳入考核。",
        ),
        "转变干部作风，提升服务意识",
        adopted=(
            "您的建议已被采纳。市纪委监委已部署开展窗口单位作风专项整治，"
            "组织明察暗访并定期通报，政务服务“好差评”制度将于2019年全面推行。"
        ),
        explained=(
            "您反映的问题已转相关部门核查，涉事窗口工作人员已受到批评教育。"
            "我委正在开展作风建设专项整治，欢迎继续监督。"
        ),
    ),
    P(
        "grassroots-burden",
        "conduct",
        "DL-JW",
        6,
        (
            "基层填表报数太多，建议精简台账",
            "为基层减负，减少形式主义的检查考核",
        ),
        (
            "我是社区工作者，每个月要填几十张表，很多内容重复，真正服务居民的时间反而少了。",
            "各种检查考核都要求留痕，拍照、写材料占用了大量精力。",
        ),
        (
            "建议清理规范面向基层的表格和台账，能共享的数据不再让基层重复填报。",
            "建议统筹检查考核，合并同类事项，减少频次。",
        ),
        "为基层减负",
        explained=(
            "我市已开展基层减负专项行动，清理面向社区的表格和台账，精简比例超过50%，"
            "今后新增面向基层的报表须经统一审核。"
        ),
    ),
    P(
        "revitalisation",
        "other",
        "DL-FGW",
        1,
        (
            "抓住东北振兴机遇，推动大连高质量发展",
            "解放思想，破除“等靠要”观念",
            "建议发挥大连在东北振兴中的龙头作用",
        ),
        (
            (
                "总书记在深入推进东北振兴座谈会上的讲话为我们指明了方向，大连作为东北的开放门户，"
                "应当走在前面。"
            ),
            "有些地方和部门仍然习惯“等靠要”，遇到问题先找政策、不找办法。",
        ),
        (
            "建议围绕“七破七立”开展专题讨论，把解放思想落到具体项目和改革举措上。",
            "建议与上海建立干部互派挂职机制，学习先进的理念和做法。",
        ),
        "解放思想、推动振兴发展",
        explained=(
            "感谢您的建议。我市已选派两批共120名干部赴上海跟岗学习，"
            "大讨论活动中形成的改革举措将纳入2019年工作计划推进落实。"
        ),
    ),
)


# From residents and companies from abroad.
ENGLISH: tuple[Topic, ...] = (
    P(
        "en-permits",
        "business",
        "DL-YSJ",
        5,
        (
            "One window for foreigners' work and residence permits",
            "Faster work permits for foreign engineers",
        ),
        (
            (
                "As a foreign engineer at a company in the Jinpu New Area, I had to "
                "visit three different offices for my work permit, residence permit "
                "and registration, and bring the same documents each time."
            ),
            (
                "Our company brings engineers from Germany for one-year assignments; "
                "the work permit takes six weeks, and the project starts before they "
                "can arrive."
            ),
        ),
        (
            (
                "Please create a single window where foreigners can apply for the work "
                "permit and the residence permit together, with forms available in "
                "English."
            ),
            ("Please allow online applications and publish how long each step should take."),
        ),
        "permits for foreign employees",
        adopted=(
            "Thank you, your suggestion has been adopted. From early 2019 the work "
            "permit and the residence permit can be applied for at one window in "
            "the city's government service centre, with bilingual forms, and the "
            "time limit is cut to 10 working days."
        ),
        explained=(
            "Thank you. Work permits for foreigners can already be applied for "
            "online; we are working with the entry-exit administration to join the "
            "two permits at one window."
        ),
        english=True,
    ),
    P(
        "en-signage",
        "urban",
        "DL-JTJ",
        5,
        (
            "English announcements and signs in metro and bus stations",
            "Better English signage for visitors",
        ),
        (
            (
                "The metro has English station names, but bus stops and most transfer "
                "signs are only in Chinese, and visitors easily get lost."
            ),
            (
                "Many tourists come to Dalian in summer, but signs at Xinghai Square "
                "and the bus stations are hard to understand for people who do not "
                "read Chinese."
            ),
        ),
        (
            ("Please add English to bus stop signs and to announcements on main bus lines."),
            "Please check the English on public signs with native speakers.",
        ),
        "English signage in public transport",
        adopted=(
            "Thank you, your suggestion has been adopted. Bus stop signs on the 30 "
            "main lines and at the main transfer hubs will be bilingual by summer "
            "2019, and the English has been reviewed by native speakers."
        ),
        explained=(
            "Thank you. All metro stations have bilingual signs and announcements; "
            "bilingual bus stop signs are being installed line by line."
        ),
        english=True,
    ),
    P(
        "en-schools",
        "livelihood",
        "DL-JYJ",
        5,
        (
            "More places at international schools in the Jinpu New Area",
            "International school places for families of foreign staff",
        ),
        (
            (
                "Several foreign companies in the Jinpu New Area find it hard to bring "
                "families here, because the international schools have waiting lists."
            ),
            (
                "We are a Japanese family in Dalian; the waiting list for our "
                "children's school is more than one year."
            ),
        ),
        (
            (
                "Please support the expansion of existing international schools or the "
                "opening of a new one near the development zone."
            ),
        ),
        "international school places",
        explained=(
            "Thank you. One international school in the Jinpu New Area is adding "
            "300 places from September 2019, and the city supports a new school in "
            "the High-tech Zone."
        ),
        places=(("the Jinpu New Area", "DL-JP"),),
        english=True,
    ),
    P(
        "en-payments",
        "opening",
        "DL-SWJ",
        5,
        (
            "Mobile payments for visitors without a Chinese bank account",
            "Let foreign cards be used in shops and taxis",
        ),
        (
            (
                "Almost every shop and taxi here only takes WeChat Pay or Alipay, "
                "which visitors cannot use without a Chinese bank account."
            ),
            ("Business visitors to our company often cannot pay for a taxi from the airport."),
        ),
        (
            (
                "Please encourage taxis, hotels and large shops to accept foreign bank "
                "cards, and keep cash accepted everywhere."
            ),
        ),
        "payments for foreign visitors",
        explained=(
            "Thank you. Taxis at the airport and the main hotels accept foreign "
            "bank cards; we will publish a list of places that do."
        ),
        not_adopted=(
            "Thank you. Payment services are regulated by the central bank, and "
            "the city cannot require them; we have asked taxi companies and hotels "
            "to keep accepting cash and will raise the issue with the banks."
        ),
        english=True,
    ),
    P(
        "en-flights",
        "opening",
        "DL-SWJ",
        5,
        (
            "More direct flights between Dalian and Europe",
            "A direct flight to Germany for the companies in Dalian",
        ),
        (
            (
                "Travelling from Dalian to Europe always means a transfer in Beijing "
                "or Shanghai, which costs our managers a full day."
            ),
        ),
        (
            (
                "Please work with airlines to open a direct route to Frankfurt or "
                "Munich, where many of the city's investors come from."
            ),
        ),
        "direct international flights",
        explained=(
            "Thank you. The city supports new international routes; a direct route "
            "to Europe is being discussed with airlines, and routes to Japan and "
            "Korea were added in 2018."
        ),
        english=True,
    ),
    P(
        "en-air",
        "ecology",
        "DL-STJ",
        5,
        (
            "Air quality in the heating season",
            "Publish air quality alerts in English",
        ),
        (
            (
                "Air quality in the heating season is much worse than in summer, and "
                "alerts are only published in Chinese."
            ),
        ),
        (
            (
                "Please publish air quality alerts in English too, and speed up the "
                "removal of small coal-fired boilers."
            ),
        ),
        "air quality in winter",
        adopted=(
            "Thank you, your suggestion has been adopted. From January 2019 the "
            "city's air quality alerts will also be published in English on the "
            "government website."
        ),
        explained=(
            "Thank you. 86 small coal-fired boilers were removed this year, and "
            "more will follow in 2019."
        ),
        english=True,
    ),
    P(
        "en-startups",
        "innovation",
        "DL-KJJ",
        5,
        (
            "Let foreign graduates of Dalian's universities start companies here",
            "A start-up visa for foreign graduates",
        ),
        (
            (
                "I graduated from Dalian University of Technology and want to start a "
                "software company here, but it is very difficult to get a work permit "
                "for my own company."
            ),
        ),
        (
            (
                "Please create a start-up residence permit for foreign graduates of "
                "the city's universities, as some cities already have."
            ),
        ),
        "start-ups by foreign graduates",
        explained=(
            "Thank you. Foreign graduates with a master's degree from Chinese "
            "universities can apply for a work permit without two years of work "
            "experience; the High-tech Zone's incubators offer free space to such "
            "start-ups."
        ),
        english=True,
    ),
    P(
        "en-marathon",
        "other",
        "DL-WLJ",
        5,
        (
            "Promote Dalian abroad as a city for sport and the sea",
            "English information for visitors to Lüshun",
        ),
        (
            "The Dalian International Marathon and the coastline are great, but information for foreign visitors is hard to find, and the museums in Lüshun have few English texts.",
        ),
        (
            "Please provide English websites for the main events and English guides in the museums of Lüshun.",
        ),
        "information for foreign visitors",
        explained="Thank you. The Lüshun Museum has English audio guides, and an English visitor website for the city is being prepared.",
        english=True,
    ),
)
